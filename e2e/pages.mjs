// The pages the browser tests visit. Adding a page type to the site means adding one entry here:
// every entry is checked with axe-core in every display mode at every width, screenshotted,
// checked for third-party requests and weighed (see README.md).
//
// Fields:
//   name        file-name-safe label, used in test names and screenshot names
//   path        path on the demo server (`gongkai serve --demo`)
//   status      expected HTTP status (default 200)
//   as          demo account to be logged in as (see lib/staff.mjs); omitted = anonymous visitor
//   prepare     optional async (page) => {} run after loading, to reach a state (e.g. a form with errors)
//   screenshot  false to skip the screenshot (default true)
//   weigh       false to leave the page out of the page-weight table (default true)
//   modesTodo   a known server-side problem that stops the display modes applying to this page:
//               the non-standard modes run as `todo` (reported, not failing) until it is fixed

/** Public pages: what a citizen sees. */
export const PUBLIC_PAGES = [
  { name: 'home', path: '/' },
  { name: 'org-province', path: '/org/demo/' },
  { name: 'org-city', path: '/org/qingjiang/' },
  { name: 'org-county', path: '/org/qingjiang-hexi/' },
  { name: 'org-township', path: '/org/hexi-dongfeng/' },
  { name: 'org-department', path: '/org/demo-edu/' },
  { name: 'documents', path: '/documents' },
  { name: 'documents-filtered', path: '/documents?validity=current&class=normative', screenshot: false, weigh: false },
  { name: 'registry', path: '/registry' },
  // Demo documents (ids of a fresh demo database): in force, repealed, amended, pending, unmarked.
  { name: 'doc-in-force', path: '/doc/1' },
  { name: 'doc-repealed', path: '/doc/3', screenshot: false },
  { name: 'doc-amended', path: '/doc/4' },
  { name: 'doc-pending', path: '/doc/7', screenshot: false },
  { name: 'doc-unmarked', path: '/doc/9', screenshot: false },
  { name: 'doc-print', path: '/doc/1/print' },
  { name: 'cleanups', path: '/cleanups' },
  // Policy interpretations (demo ids 11–14, created after the ten demo documents): a 图解 with its image and
  // alternative text, a video with its transcript; /doc/4 above lists its interpretation.
  { name: 'interpretations', path: '/interpretations' },
  // The 图解 image is content, not page furniture: left out of the page-weight table.
  { name: 'doc-interpretation-graphic', path: '/doc/11', weigh: false },
  { name: 'doc-interpretation-video', path: '/doc/12', screenshot: false },
  // Policy Q&A (demo items 1–4).
  { name: 'qa', path: '/qa' },
  { name: 'qa-item', path: '/qa/1' },
  { name: 'search', path: '/search' },
  { name: 'search-results', path: '/search?q=%E5%85%AC%E5%BC%80' },
  { name: 'search-filtered', path: '/search?q=%E5%8A%9E%E6%B3%95&class=normative&validity=in_force', screenshot: false, weigh: false },
  { name: 'search-no-results', path: '/search?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E6%A3%80%E7%B4%A2%E8%AF%8Dxyz' },
  { name: 'search-number', path: '/search?q=%E5%9B%BD%E5%8A%9E%E5%8F%91%5B2019%5D', screenshot: false, weigh: false },
  { name: 'prefs', path: '/prefs' },
  { name: 'staff-login', path: '/admin/login' },
  {
    name: 'staff-login-errors',
    path: '/admin/login',
    status: 200,
    weigh: false,
    // Submitting the empty form renders the page again with an error summary and field errors.
    prepare: async (page) => {
      await Promise.all([page.waitForNavigation(), page.click('form[action="/admin/login"] button[type=submit]')]);
      await page.waitForSelector('.error-summary');
    },
  },
  { name: 'foi-form', path: '/foi' },
  {
    name: 'foi-form-errors',
    path: '/foi',
    status: 200,
    weigh: false,
    // Submitting the empty application form renders it again with an error summary and field errors.
    prepare: async (page) => {
      await Promise.all([page.waitForNavigation(), page.click('form[action="/foi"] button[type=submit]')]);
      await page.waitForSelector('.error-summary');
    },
  },
  { name: 'foi-track', path: '/foi/track' },
  {
    name: 'foi-receipt',
    path: '/foi',
    weigh: false,
    // Fills in and submits the form: the receipt page with the tracking code.
    prepare: async (page) => {
      await page.selectOption('#org', 'qingjiang-housing');
      await page.check('#applicant_type-natural_person');
      await page.fill('#name', '页面测试');
      await page.selectOption('#id_type', 'id_card');
      await page.fill('#id_number', '11010519491231002X');
      await page.fill('#phone', '010-12345678');
      await page.fill('#description', '示范信息');
      await page.selectOption('#form', 'electronic');
      await page.selectOption('#delivery', 'pickup');
      await Promise.all([page.waitForNavigation(), page.click('form[action="/foi"] button[type=submit]')]);
      await page.waitForSelector('.tracking-code');
    },
  },
  { name: 'not-found', path: '/no-such-page', status: 404 },
  { name: 'org-not-found', path: '/org/no-such-org/', status: 404, screenshot: false },
];

/** Staff pages (admin console), each as a demo account that may see it. */
export const STAFF_PAGES = [
  { name: 'admin-dashboard', path: '/admin/', as: 'demo-editor' },
  { name: 'admin-orgs', path: '/admin/orgs', as: 'demo-editor' },
  { name: 'admin-tokens', path: '/admin/tokens', as: 'demo-editor' },
  { name: 'admin-documents', path: '/admin/documents', as: 'demo-editor' },
  { name: 'admin-search', path: '/admin/search?q=%E5%8A%9E%E6%B3%95', as: 'demo-editor' },
  { name: 'admin-document-new', path: '/admin/documents/new', as: 'demo-editor' },
  { name: 'admin-documents-review', path: '/admin/documents/review', as: 'demo-reviewer' },
  { name: 'admin-document', path: '/admin/documents/1', as: 'demo-editor' },
  { name: 'admin-cleanups', path: '/admin/cleanups', as: 'demo-editor', screenshot: false },
  { name: 'admin-interpretation', path: '/admin/documents/1/interpretation', as: 'demo-editor' },
  { name: 'admin-interp-coverage', path: '/admin/interpretations/coverage?org=demo', as: 'demo-supervisor' },
  { name: 'admin-qa', path: '/admin/qa?org=demo-gov-office', as: 'demo-editor' },
  { name: 'admin-password', path: '/admin/password', as: 'demo-editor' },
  { name: 'admin-forbidden', path: '/admin/users', as: 'demo-editor', status: 403, screenshot: false },
  { name: 'admin-users', path: '/admin/users', as: 'demo-sysadmin' },
  { name: 'admin-orgs-sysadmin', path: '/admin/orgs', as: 'demo-sysadmin', screenshot: false },
  { name: 'admin-audit', path: '/admin/audit', as: 'demo-auditor' },
  { name: 'admin-review', path: '/admin/review', as: 'demo-reviewer' },
  { name: 'admin-review-item', path: '/admin/review/edition/1', as: 'demo-reviewer' },
  { name: 'admin-review-dashboard', path: '/admin/review/dashboard', as: 'demo-secadmin' },
  { name: 'admin-foi', path: '/admin/foi', as: 'demo-foi' },
  { name: 'admin-foi-new', path: '/admin/foi/new', as: 'demo-foi', screenshot: false },
  { name: 'admin-foi-application', path: '/admin/foi/2', as: 'demo-foi' },
  { name: 'admin-foi-report', path: '/admin/foi/report?org=demo&subtree=1', as: 'demo-foi', screenshot: false },
  { name: 'admin-foi-tools', path: '/admin/foi/tools?org=demo', as: 'demo-foi', screenshot: false },
  { name: 'admin-foi-stats', path: '/admin/foi/stats?org=demo&from=2025-01-01', as: 'demo-supervisor' },
  { name: 'admin-dashboard-supervisor', path: '/admin/', as: 'demo-supervisor', screenshot: false },
];

export const ALL_PAGES = [...PUBLIC_PAGES, ...STAFF_PAGES];

/** Display modes, set through the `gk_prefs` cookie exactly as the /prefs form sets it. */
export const MODES = [
  { name: 'standard', prefs: null },
  { name: 'elderly', prefs: 'elderly' },
  { name: 'contrast', prefs: 'contrast' },
  { name: 'elderly-contrast', prefs: 'elderly,contrast' },
];

/** Viewport sizes: a desktop and the narrowest common phone. */
export const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'mobile', width: 360, height: 740 },
];
