// Every page of pages.mjs in every display mode at every width:
//   - axe-core, WCAG 2.1 A/AA (plus landmark/heading structure; plus AAA contrast in high contrast)
//   - 适老版: visible text >= 18 px, line height >= 1.8, targets >= 48 px; standard: targets >= 24 px
//   - no sideways scrolling at 360 px (reflow)
//   - lang, a meaningful title, the body class of the mode
//   - no request leaves the server under test
//   - a full-page screenshot under artifacts/screenshots/
//
// Each page × mode × width is its own test, with its own assertions and failure message. To keep
// them cheap, each page gets one browser context and one tab, and the combinations reuse it:
//   - widths are switched in place (`setViewportSize`): the site has no JavaScript and the server
//     does not know the width, so the layout after a resize is the layout of a load at that width;
//   - a display mode is switched in place (the `<body class>` attribute set to the server's) only
//     when the server's HTML for the new mode — fetched with the tab's cookies and the new mode's
//     `gk_prefs` cookie — is byte for byte the loaded page's apart from that attribute (today:
//     高对比度 on and off, except on pages that show the setting or a per-request id); otherwise,
//     and always for pages with `prepare`, the page is loaded again with the new cookie;
//   - axe-core is injected once per loaded document and runs once per combination.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_PAGES, MODES, VIEWPORTS } from '../pages.mjs';
import {
  launch,
  newContext,
  setDisplayMode,
  recordRequests,
  runAxe,
  formatViolations,
  layoutProblems,
  screenshotPath,
  serverHtml,
  bodyClassOf,
  sameApartFromBodyClass,
  url,
  AXE_VERSION,
} from '../lib/harness.mjs';
import { staffSession } from '../lib/staff.mjs';

const isElderly = (mode) => (mode.prefs || '').includes('elderly');
const isContrast = (mode) => (mode.prefs || '').includes('contrast');

// Two pages at a time by default (the machine has 2 cores; each page has its own context and tab).
// GONGKAI_E2E_CONCURRENCY=N runs N at once.
const CONCURRENCY = Number(process.env.GONGKAI_E2E_CONCURRENCY || 2);

let browserPromise;
function browser() {
  browserPromise ??= launch().then((b) => {
    console.log(`# Chromium ${b.version()}, axe-core ${AXE_VERSION}`);
    return b;
  });
  return browserPromise;
}

const stats = { checks: 0, loads: 0, inPlace: 0, reloaded: new Set() };

after(async () => {
  if (stats.checks) {
    console.log(`# ${stats.checks} page × mode × width checks: ${stats.loads} page loads, ${stats.inPlace} display-mode switches in place`);
    if (stats.reloaded.size) console.log(`# loaded again for a mode because the server's HTML differs in more than the body class: ${[...stats.reloaded].join(', ')}`);
  }
  if (browserPromise) await (await browserPromise).close();
});

/** One page spec's browser context and tab, in some display mode and viewport. */
class PageUnderTest {
  constructor(spec) {
    this.spec = spec;
    this.context = null;
    this.page = null;
    this.rec = null;
    this.mode = null; // display mode of the document shown (null: none, or state unknown)
    this.status = null; // HTTP status of the document's load
    this.html = null; // the server's HTML of the document shown (null for pages with `prepare`)
  }

  async open() {
    if (this.context) return;
    this.context = await newContext(await browser(), {
      viewport: VIEWPORTS[0],
      storageState: this.spec.as ? await staffSession(await browser(), this.spec.as) : undefined,
      bypassCSP: true, // for injecting axe-core only
    });
    this.page = await this.context.newPage();
    this.rec = recordRequests(this.page);
  }

  /** Loads the page afresh in `mode` (and runs its `prepare`). */
  async load(mode) {
    this.mode = null;
    await setDisplayMode(this.context, mode);
    this.rec.requests.length = 0;
    this.rec.cspErrors.length = 0;
    const response = await this.page.goto(url(this.spec.path));
    this.status = response.status();
    this.html = this.spec.prepare ? null : await response.text();
    if (this.spec.prepare) await this.spec.prepare(this.page);
    stats.loads += 1;
    this.mode = mode;
  }

  /** Switches the loaded document to `mode` in place if the server renders it the same; true if done. */
  async switchInPlace(mode) {
    if (this.mode === null || this.html === null) return false;
    const target = await serverHtml(this.context, this.spec.path, mode);
    if (target.status !== this.status || !sameApartFromBodyClass(this.html, target.html)) {
      if (isElderly(mode) === isElderly(this.mode)) stats.reloaded.add(this.spec.name); // 适老版 changes the header link
      return false;
    }
    this.mode = null;
    await setDisplayMode(this.context, mode);
    await this.page.evaluate(async (cls) => {
      document.body.setAttribute('class', cls);
      // Let any (finite) CSS transition or animation the class change starts finish first.
      const finite = document.getAnimations().filter((a) => Number.isFinite(a.effect?.getComputedTiming().endTime));
      await Promise.all(finite.map((a) => a.finished));
    }, bodyClassOf(target.html));
    this.html = target.html;
    this.mode = mode;
    stats.inPlace += 1;
    return true;
  }

  /** Shows the page in `mode` at `viewport`, scrolled to the top. */
  async show(mode, viewport) {
    await this.open();
    if (this.mode !== mode && !(await this.switchInPlace(mode))) await this.load(mode);
    const size = this.page.viewportSize();
    if (size.width !== viewport.width || size.height !== viewport.height) {
      await this.page.setViewportSize({ width: viewport.width, height: viewport.height });
    }
    await this.page.evaluate(() => window.scrollTo(0, 0));
  }

  async close() {
    await this.context?.close();
    this.context = null;
  }
}

// Modes in an order that lets 高对比度 be switched on in place after its base mode.
const MODE_ORDER = [...MODES].sort((a, b) => Number(isElderly(a)) - Number(isElderly(b)));

describe('every page × display mode × width', { concurrency: CONCURRENCY }, () => {
  for (const spec of ALL_PAGES) {
    // The combinations of one page share its tab: one at a time, in order.
    describe(`${spec.name} (${spec.path})`, { concurrency: 1 }, () => {
      const put = new PageUnderTest(spec);
      after(() => put.close());
      for (const mode of MODE_ORDER) {
        for (const viewport of VIEWPORTS) {
          const todo = mode.prefs && spec.modesTodo ? spec.modesTodo : undefined;
          test(`${spec.name} (${spec.path}) · ${mode.name} · ${viewport.name}`, { todo }, async () => {
            stats.checks += 1;
            try {
              await put.show(mode, viewport);
            } catch (e) {
              put.mode = null; // load again for the next combination
              throw e;
            }
            const { page, rec } = put;
            assert.equal(put.status, spec.status ?? 200, `status of ${spec.path}`);
            const problems = [];

            const facts = await page.evaluate(() => ({
              lang: document.documentElement.lang,
              title: document.title.trim(),
              siteName: (document.querySelector('.site-name')?.textContent || '').trim(),
              bodyClass: document.body.className,
              path: location.pathname,
            }));
            if (facts.lang !== 'zh-CN') problems.push(`<html lang> is "${facts.lang}", not zh-CN`);
            if (!facts.title) problems.push('empty <title>');
            else if (facts.path !== '/' && facts.title === facts.siteName) problems.push(`title is only the site name: "${facts.title}"`);
            if (isElderly(mode) !== /\bmode-elderly\b/.test(facts.bodyClass)) problems.push(`body class "${facts.bodyClass}" for mode ${mode.name}`);
            if (isContrast(mode) !== /\bmode-contrast\b/.test(facts.bodyClass)) problems.push(`body class "${facts.bodyClass}" for mode ${mode.name}`);

            const layout = await layoutProblems(
              page,
              isElderly(mode) ? { minFont: 18, minLineHeight: 1.8, minTarget: 48 } : { minFont: 12, minLineHeight: 1.5, minTarget: 24 },
            );
            problems.push(...layout);

            if (spec.screenshot !== false) {
              // `caret: 'initial'` spares Playwright's hide-the-caret style round trips; no page of the
              // list has a focused text field, so the PNG is the same byte for byte.
              await page.screenshot({ path: screenshotPath(spec.name, mode.name, viewport.name), fullPage: true, caret: 'initial' });
            }

            const violations = await runAxe(page, { extraRules: isContrast(mode) ? ['color-contrast-enhanced'] : [] });
            if (violations.length) problems.push(`axe-core violations:\n${formatViolations(violations)}`);

            // Every request of the document shown (its load and whatever a mode or width change fetched).
            const foreign = rec.foreign();
            if (foreign.length) problems.push(`requests to other hosts:\n  ${foreign.join('\n  ')}`);

            assert.ok(problems.length === 0, `${spec.path} in ${mode.name} at ${viewport.width}px:\n${problems.join('\n')}`);
          });
        }
      }
    });
  }
});
