// Print styles: black on white whatever the display mode, no navigation or forms, the content kept.
// A PDF of a few pages is saved under artifacts/print/ for a look.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PUBLIC_PAGES, MODES } from '../pages.mjs';
import { launch, newContext, setDisplayMode, url, ARTIFACTS } from '../lib/harness.mjs';

const PDF_DIR = path.join(ARTIFACTS, 'print');
const PDF_PAGES = new Set(['home', 'org-county']);
let browser;
before(async () => {
  mkdirSync(PDF_DIR, { recursive: true });
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const modes = MODES.filter((m) => m.name === 'standard' || m.name === 'elderly-contrast');
for (const spec of PUBLIC_PAGES.filter((p) => !p.prepare && (p.status ?? 200) === 200)) {
  // The modes of one page share a browser context and tab; each mode loads the page afresh.
  describe(`print: ${spec.name}`, () => {
    let tab;
    after(() => tab?.context.close());
    for (const mode of modes) {
      test(`print: ${spec.name} · ${mode.name}`, async () => {
        if (!tab) {
          const context = await newContext(browser, {});
          tab = { context, page: await context.newPage() };
        }
        const { context, page } = tab;
        await setDisplayMode(context, mode);
        await page.emulateMedia({ media: null });
        await page.goto(url(spec.path));
        await page.emulateMedia({ media: 'print' });
        const r = await page.evaluate(() => {
          const shown = (sel) =>
            [...document.querySelectorAll(sel)].some((el) => getComputedStyle(el).display !== 'none' && el.getClientRects().length > 0);
          const b = getComputedStyle(document.body);
          return {
            fg: b.color,
            bg: b.backgroundColor,
            nav: shown('.main-nav, .account-links, .skip-link'),
            forms: shown('main form'),
            h1: shown('main h1'),
            h1Colour: document.querySelector('main h1') ? getComputedStyle(document.querySelector('main h1')).color : '',
          };
        });
        assert.equal(r.fg, 'rgb(0, 0, 0)', 'printed text is not black');
        assert.equal(r.bg, 'rgb(255, 255, 255)', 'printed background is not white');
        assert.equal(r.nav, false, 'navigation is printed');
        assert.equal(r.forms, false, 'forms are printed');
        assert.equal(r.h1, true, 'the heading is not printed');
        assert.equal(r.h1Colour, 'rgb(0, 0, 0)', 'the printed heading is not black');
        if (PDF_PAGES.has(spec.name)) {
          await page.pdf({ path: path.join(PDF_DIR, `${spec.name}--${mode.name}.pdf`), format: 'A4', printBackground: true });
        }
      });
    }
  });
}
