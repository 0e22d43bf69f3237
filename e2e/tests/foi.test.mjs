// Keyboard-only flow for disclosure on application (依申请公开), with JavaScript switched off and under the
// site's real CSP: fill in the application form by keyboard, submit it, read the tracking code on the
// receipt, follow the tracking link and see the status — without the applicant's data on the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, screenshotPath, url } from '../lib/harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** What has focus: its id, name, tag and whether a focus indicator is drawn. */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { none: true };
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
    const ring = s.boxShadow && s.boxShadow !== 'none';
    return {
      none: false,
      tag: el.tagName.toLowerCase(),
      id: el.id,
      name: el.getAttribute('name'),
      type: el.getAttribute('type'),
      href: el.getAttribute('href'),
      checked: !!el.checked,
      indicator: outline || ring,
    };
  });
}

/** Presses Tab until `match` holds, checking every stop has a visible focus indicator. */
async function tabTo(page, match, what, max = 60) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (!f.none) assert.ok(f.indicator, `no visible focus indicator on <${f.tag}#${f.id}>`);
    if (!f.none && match(f)) return f;
  }
  assert.fail(`${what} not reached within ${max} Tab presses`);
}

/** Tabs to the field with this id and types the text. */
async function fill(page, id, text) {
  await tabTo(page, (f) => f.id === id, `field ${id}`);
  await page.keyboard.type(text);
}

/** Tabs to a <select> and moves down `steps` options with the arrow key. */
async function choose(page, id, steps) {
  await tabTo(page, (f) => f.id === id, `select ${id}`);
  for (let i = 0; i < steps; i++) await page.keyboard.press('ArrowDown');
}

test('submit an application and track it, by keyboard only', async () => {
  const context = await newContext(browser, { javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await page.goto(url('/foi'));
    // An empty submission first: the error summary takes focus and names the fields.
    await tabTo(page, (f) => f.tag === 'button' && f.type === 'submit' && f.id === '', 'the submit button', 120);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const summary = await page.evaluate(() => document.activeElement?.className || '');
    assert.ok(summary.includes('error-summary'), `focus after a failed submission is on "${summary}"`);
    assert.ok(await page.locator('#description-error').count(), 'the description error is shown beside its field');

    await page.goto(url('/foi'));
    await choose(page, 'org', 1);
    // The radio group: Tab lands on its first option, Space selects it (自然人).
    const r = await tabTo(page, (f) => f.name === 'applicant_type', 'the 申请人类型 radio group');
    await page.keyboard.press('Space');
    assert.equal((await focused(page)).id, r.id);
    await fill(page, 'name', '键盘测试');
    await choose(page, 'id_type', 1);
    await fill(page, 'id_number', '11010519491231002X');
    await fill(page, 'phone', '010-12345678');
    await fill(page, 'description', '2026年示范省政府信息公开指南');
    await choose(page, 'form', 2);
    await choose(page, 'delivery', 1);
    await tabTo(page, (f) => f.tag === 'button' && f.type === 'submit', 'the submit button');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);

    const code = (await page.locator('.tracking-code strong').textContent()).trim();
    assert.match(code, /^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/, `tracking code “${code}”`);
    await page.screenshot({ path: screenshotPath('flow-foi-receipt') });

    await tabTo(page, (f) => f.tag === 'a' && (f.href || '').startsWith('/foi/track?code='), 'the tracking link');
    await Promise.all([page.waitForURL((u) => u.pathname === '/foi/track'), page.keyboard.press('Enter')]);
    const text = await page.locator('main').textContent();
    assert.ok(text.includes('待确认收到'), 'the status is shown');
    assert.ok(text.includes(code), 'the code is shown');
    assert.ok(!text.includes('键盘测试') && !text.includes('11010519491231002X'), 'no applicant data on the tracking page');
    await page.screenshot({ path: screenshotPath('flow-foi-track') });
  } finally {
    await context.close();
  }
});
