// Shared helpers of the browser tests: the server under test, Chromium, display modes, axe-core.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

/** Base URL of the running `gongkai serve --demo` (set by run.sh). */
export const BASE_URL = (process.env.GONGKAI_E2E_BASE_URL || '').replace(/\/$/, '');
if (!BASE_URL) {
  throw new Error('GONGKAI_E2E_BASE_URL is not set: run the browser tests with `bash e2e/run.sh`');
}
export const ORIGIN = new URL(BASE_URL).origin;

/** Where screenshots and reports go (git-ignored). */
export const ARTIFACTS = process.env.GONGKAI_E2E_ARTIFACTS || path.resolve(here, '..', 'artifacts');
export const SCREENSHOTS = path.join(ARTIFACTS, 'screenshots');
mkdirSync(SCREENSHOTS, { recursive: true });

/** Debian's Chromium; no browser is ever downloaded. */
export const CHROMIUM = process.env.GONGKAI_E2E_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export const url = (p) => BASE_URL + p;

const LIVE_CSS = path.resolve(here, '..', '..', 'crates', 'gongkai-web', 'static', 'site.css');

/**
 * A browser context in a display mode and viewport.
 * `bypassCSP` only for the axe-core runs: axe is injected as an inline script, which the site's
 * CSP (rightly) refuses. Every other context runs under the real CSP.
 */
export async function newContext(browser, { mode, viewport, storageState, bypassCSP = false, javaScriptEnabled = true }) {
  const context = await browser.newContext({
    viewport: viewport ? { width: viewport.width, height: viewport.height } : { width: 1280, height: 800 },
    locale: 'zh-CN',
    bypassCSP,
    javaScriptEnabled,
    storageState,
  });
  // Development aid: GONGKAI_E2E_LIVE_CSS=1 serves the stylesheet from the source tree instead of the
  // one built into the binary, to iterate on the design without rebuilding. Never set in CI.
  if (process.env.GONGKAI_E2E_LIVE_CSS === '1') {
    await context.route('**/static/site.css*', (route) =>
      route.fulfill({ path: LIVE_CSS, contentType: 'text/css; charset=utf-8' }),
    );
  }
  await setDisplayMode(context, mode);
  return context;
}

/**
 * Sets the display-mode cookie (`gk_prefs`, as the /prefs form sets it) of `context` for the next
 * page load, replacing any carried over in storageState; no `mode` or `mode.prefs` null: standard.
 */
export async function setDisplayMode(context, mode) {
  await context.clearCookies({ name: 'gk_prefs' });
  if (mode && mode.prefs) {
    await context.addCookies([{ name: 'gk_prefs', value: mode.prefs, url: BASE_URL }]);
  }
}

/**
 * Records every request a page makes and every CSP violation it reports.
 * `foreign()` lists requests that did not go to the server under test.
 */
export function recordRequests(page) {
  const requests = [];
  const cspErrors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  return {
    requests,
    cspErrors,
    foreign: () =>
      requests.filter((u) => {
        if (u.startsWith('data:') || u.startsWith('about:')) return false;
        try {
          return new URL(u).origin !== ORIGIN;
        } catch {
          return true;
        }
      }),
  };
}

const AXE_PATH = require.resolve('axe-core/axe.min.js');
export const AXE_VERSION = require('axe-core/package.json').version;

/** WCAG 2.1 A and AA: the issue's bar (GB/T 37668-2019 二级 maps to it approximately). */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Structure rules axe files under best practice: landmarks, headings in order, skip link. */
export const STRUCTURE_RULES = [
  'landmark-one-main',
  'landmark-unique',
  'landmark-banner-is-top-level',
  'landmark-contentinfo-is-top-level',
  'landmark-main-is-top-level',
  'landmark-no-duplicate-banner',
  'landmark-no-duplicate-contentinfo',
  'landmark-no-duplicate-main',
  'region',
  'page-has-heading-one',
  'heading-order',
  'empty-heading',
  'skip-link',
  'tabindex',
];

/**
 * Runs axe-core on the page: the WCAG 2.1 A/AA rules, the structure rules and `extraRules` (e.g. AAA
 * contrast in high-contrast mode), all in one `axe.run` (`rules: {id: {enabled: true}}` adds rules to
 * a tag selection; one run shares axe's set-up and caches). Returns the violations.
 * axe-core is injected once per document: a later call on the same document reuses it.
 */
export async function runAxe(page, { extraRules = [] } = {}) {
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.addScriptTag({ path: AXE_PATH });
  const options = {
    runOnly: { type: 'tag', values: WCAG_TAGS },
    rules: Object.fromEntries([...STRUCTURE_RULES, ...extraRules].map((id) => [id, { enabled: true }])),
    resultTypes: ['violations'],
  };
  const r = await page.evaluate((o) => window.axe.run(document, o), options);
  return r.violations;
}

/** One line per failing node: id, impact, target, help. */
export function formatViolations(violations) {
  const lines = [];
  for (const v of violations) {
    for (const n of v.nodes) {
      const detail = (n.failureSummary || '').split('\n').slice(1, 2).join(' ').trim();
      lines.push(`  [${v.id}] (${v.impact}) ${n.target.join(' ')} — ${v.help}${detail ? ` — ${detail}` : ''}`);
    }
  }
  return lines.join('\n');
}

/** A file-name-safe screenshot path. */
export function screenshotPath(...parts) {
  return path.join(SCREENSHOTS, parts.join('--').replace(/[^a-zA-Z0-9_.-]+/g, '-') + '.png');
}

/**
 * Checks of 适老版 and general legibility, evaluated in the page:
 *  - visible text smaller than `minFont` px
 *  - body line height below `minLineHeight` × font size
 *  - interactive targets smaller than `minTarget` px in either dimension (links inside running text
 *    excepted, as WCAG 2.5.8 does; a radio/checkbox counts with its label)
 *  - horizontal overflow of the page (WCAG 1.4.10 reflow)
 */
export async function layoutProblems(page, { minFont, minLineHeight, minTarget }) {
  return page.evaluate(
    ({ minFont, minLineHeight, minTarget }) => {
      const problems = [];
      const visible = (el) => {
        const s = getComputedStyle(el);
        if (s.visibility === 'hidden' || s.display === 'none') return false;
        const r = el.getBoundingClientRect();
        if (r.width <= 2 || r.height <= 2) return false; // visually-hidden text for screen readers
        if (r.right < 0 || r.bottom < -window.scrollY) return false; // skip link parked off screen
        return true;
      };
      const describe = (el) => {
        let d = el.tagName.toLowerCase();
        if (el.id) d += '#' + el.id;
        else if (el.className && typeof el.className === 'string') d += '.' + el.className.trim().split(/\s+/).join('.');
        const t = (el.textContent || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 24);
        return t ? `${d} "${t}"` : d;
      };
      const body = getComputedStyle(document.body);
      const bodyFont = parseFloat(body.fontSize);
      if (minLineHeight) {
        const lh = parseFloat(body.lineHeight);
        if (!(lh / bodyFont >= minLineHeight - 0.01)) problems.push(`body line-height ${body.lineHeight} < ${minLineHeight}×${bodyFont}px`);
      }
      if (minFont) {
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const seen = new Set();
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          if (!n.textContent.trim()) continue;
          const el = n.parentElement;
          if (!el || seen.has(el)) continue;
          seen.add(el);
          if (!visible(el)) continue;
          const fs = parseFloat(getComputedStyle(el).fontSize);
          if (fs < minFont - 0.01) problems.push(`text ${fs}px < ${minFont}px: ${describe(el)}`);
        }
      }
      if (minTarget) {
        const targets = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary');
        for (const el of targets) {
          let box = el;
          if (el.matches('input[type=radio], input[type=checkbox]')) {
            box = (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) || el;
          }
          if (!visible(box)) continue;
          const r = box.getBoundingClientRect();
          if (r.width >= minTarget - 0.5 && r.height >= minTarget - 0.5) continue;
          // Links in running text are exempt: the link is inline and its block holds other text.
          if (el.tagName === 'A' && getComputedStyle(el).display === 'inline') {
            const block = el.closest('p, li, td, th, dd, dt, div');
            if (block && block.textContent.trim().length > el.textContent.trim().length + 1) continue;
          }
          problems.push(`target ${Math.round(r.width)}×${Math.round(r.height)}px < ${minTarget}px: ${describe(el)}`);
        }
      }
      const overflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
      if (overflow > 1) problems.push(`page scrolls sideways by ${overflow}px (reflow)`);
      // Collapse repeats (a long table gives the same finding per row): first example and a count.
      const byKind = new Map();
      for (const p of problems) {
        const kind = p.replace(/ "[^"]*"$/, '').replace(/\d+×\d+px/, 'W×Hpx');
        const e = byKind.get(kind);
        if (e) e.n += 1;
        else byKind.set(kind, { first: p, n: 1 });
      }
      return [...byKind.values()].map((e) => (e.n > 1 ? `${e.first} (and ${e.n - 1} more like it)` : e.first));
    },
    { minFont, minLineHeight, minTarget },
  );
}

/** The value of the `<body class>` attribute in a server-rendered page. */
export function bodyClassOf(html) {
  const m = /<body\b[^>]*\bclass="([^"]*)"/.exec(html);
  return m ? m[1] : null;
}

/** True when two server-rendered pages are the same apart from the `<body class>` attribute. */
export function sameApartFromBodyClass(a, b) {
  const strip = (h) => h.replace(/(<body\b[^>]*\bclass=")[^"]*"/, '$1"');
  return bodyClassOf(a) !== null && bodyClassOf(b) !== null && strip(a) === strip(b);
}

/**
 * GETs `path` from the server as the browser `context` would (its cookies, zh-CN), but with the
 * display-mode cookie of `mode`; returns the status and the HTML. Used to check whether a page's
 * server rendering in another display mode differs from the loaded one only in the body class.
 */
export async function serverHtml(context, path, mode) {
  const cookies = (await context.cookies(BASE_URL)).filter((c) => c.name !== 'gk_prefs');
  if (mode && mode.prefs) cookies.push({ name: 'gk_prefs', value: mode.prefs });
  const headers = { 'Accept-Language': 'zh-CN' };
  if (cookies.length) headers.Cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const r = await fetch(url(path), { headers, redirect: 'manual' });
  return { status: r.status, html: await r.text() };
}
