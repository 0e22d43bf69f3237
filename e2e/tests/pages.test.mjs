// Every page of pages.mjs in every display mode at every width:
//   - axe-core, WCAG 2.1 A/AA (plus landmark/heading structure; plus AAA contrast in high contrast)
//   - 适老版: visible text >= 18 px, line height >= 1.8, targets >= 48 px; standard: targets >= 24 px
//   - no sideways scrolling at 360 px (reflow)
//   - lang, a meaningful title, the body class of the mode
//   - no request leaves the server under test
//   - a full-page screenshot under artifacts/screenshots/
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_PAGES, MODES, VIEWPORTS } from '../pages.mjs';
import {
  launch,
  newContext,
  recordRequests,
  runAxe,
  formatViolations,
  layoutProblems,
  screenshotPath,
  url,
  AXE_VERSION,
} from '../lib/harness.mjs';
import { login } from '../lib/staff.mjs';

let browser;
const sessions = new Map();

before(async () => {
  browser = await launch();
  console.log(`# Chromium ${browser.version()}, axe-core ${AXE_VERSION}`);
  for (const username of new Set(ALL_PAGES.filter((p) => p.as).map((p) => p.as))) {
    const context = await browser.newContext();
    const page = await context.newPage();
    sessions.set(username, await login(page, username));
    await context.close();
  }
});

after(async () => {
  await browser?.close();
});

const isElderly = (mode) => (mode.prefs || '').includes('elderly');
const isContrast = (mode) => (mode.prefs || '').includes('contrast');

// One page at a time by default: the work is CPU-bound (Chromium, axe-core), and on the 2-vCPU
// machine three at once took as long in all. GONGKAI_E2E_CONCURRENCY=N runs N at once.
const CONCURRENCY = Number(process.env.GONGKAI_E2E_CONCURRENCY || 1);

describe('every page × display mode × width', { concurrency: CONCURRENCY }, () => {
  for (const spec of ALL_PAGES) {
    for (const mode of MODES) {
      for (const viewport of VIEWPORTS) {
        const todo = mode.prefs && spec.modesTodo ? spec.modesTodo : undefined;
        test(`${spec.name} (${spec.path}) · ${mode.name} · ${viewport.name}`, { todo }, async () => {
          const context = await newContext(browser, {
            mode,
            viewport,
            storageState: spec.as ? sessions.get(spec.as) : undefined,
            bypassCSP: true, // for injecting axe-core only
          });
          try {
            const page = await context.newPage();
            const rec = recordRequests(page);
            const response = await page.goto(url(spec.path));
            assert.equal(response.status(), spec.status ?? 200, `status of ${spec.path}`);
            if (spec.prepare) await spec.prepare(page);
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
              await page.screenshot({ path: screenshotPath(spec.name, mode.name, viewport.name), fullPage: true });
            }

            const violations = await runAxe(page, { extraRules: isContrast(mode) ? ['color-contrast-enhanced'] : [] });
            if (violations.length) problems.push(`axe-core violations:\n${formatViolations(violations)}`);

            const foreign = rec.foreign();
            if (foreign.length) problems.push(`requests to other hosts:\n  ${foreign.join('\n  ')}`);

            assert.ok(problems.length === 0, `${spec.path} in ${mode.name} at ${viewport.width}px:\n${problems.join('\n')}`);
          } finally {
            await context.close();
          }
        });
      }
    }
  }
});
