// Keyboard-only flows, with JavaScript switched off and under the site's real CSP:
//   - skip link → main; 显示设置 → 适老版 by arrow keys → Enter; back to 标准版 + 高对比度
//   - errors on a form are announced: focus moves to the error summary, fields point at messages
//   - staff login by keyboard
//   - search and open a document (once the site has a search page)
//   - on every public page, Tab reaches every control once, each with a visible focus indicator
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PUBLIC_PAGES, MODES, VIEWPORTS } from '../pages.mjs';
import { launch, newContext, setDisplayMode, recordRequests, screenshotPath, url } from '../lib/harness.mjs';
import { passwordOf } from '../lib/staff.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A plain-JavaScript-off context under the real CSP. */
async function keyboardPage(opts = {}) {
  const context = await newContext(browser, { javaScriptEnabled: false, ...opts });
  const page = await context.newPage();
  const rec = recordRequests(page);
  return { context, page, rec };
}

/** What has focus, and whether a focus indicator is drawn. */
function focused(page) {
  return page.evaluate(() => {
    const paint = (e) => {
      const s = getComputedStyle(e);
      return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor, s.color].join('|');
    };
    const el = document.activeElement;
    if (!el || el === document.body) return { none: true };
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 && !/rgba\(.*,\s*0\)$/.test(s.outlineColor);
    const ring = s.boxShadow && s.boxShadow !== 'none';
    return {
      none: false,
      tag: el.tagName.toLowerCase(),
      id: el.id,
      cls: typeof el.className === 'string' ? el.className : '',
      name: el.getAttribute('name'),
      type: el.getAttribute('type'),
      href: el.getAttribute('href'),
      text: (el.textContent || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 30),
      checked: !!el.checked,
      indicator: outline || ring,
      look: paint(el),
      inViewport: r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth && r.width > 0 && r.height > 0,
      key: `${[...document.querySelectorAll('*')].indexOf(el)}:${el.outerHTML.slice(0, 160)}`,
    };
  });
}

const show = (f) => (f.none ? '(nothing)' : `<${f.tag}${f.id ? '#' + f.id : ''}${f.href ? ` href=${f.href}` : ''}> "${f.text}"`);

/** Presses Tab until `match(focused)` holds; fails after `max` presses. Checks each stop's indicator. */
async function tabTo(page, match, what, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (!f.none) assert.ok(f.indicator, `no visible focus indicator on ${show(f)}`);
    if (!f.none && match(f)) return f;
  }
  assert.fail(`${what} not reached within ${max} Tab presses`);
}

async function bodyFacts(page) {
  return page.evaluate(() => {
    const b = getComputedStyle(document.body);
    const h1 = document.querySelector('h1');
    return {
      cls: document.body.className,
      fontSize: parseFloat(b.fontSize),
      lineHeight: parseFloat(b.lineHeight) / parseFloat(b.fontSize),
      h1: h1 ? parseFloat(getComputedStyle(h1).fontSize) : 0,
    };
  });
}

test('skip link, then 适老版 and 高对比度 switched by keyboard only', async () => {
  const { context, page, rec } = await keyboardPage();
  try {
    await page.goto(url('/'));

    // The first Tab shows the skip link; Enter moves focus to <main>.
    await page.keyboard.press('Tab');
    let f = await focused(page);
    assert.ok(f.cls.includes('skip-link'), `first Tab stop is ${show(f)}, not the skip link`);
    assert.ok(f.inViewport, 'the focused skip link is not visible');
    assert.ok(f.indicator, 'the skip link has no focus indicator');
    await page.keyboard.press('Enter');
    f = await focused(page);
    assert.equal(f.tag, 'main', `after the skip link focus is on ${show(f)}`);
    await page.keyboard.press('Tab');
    const inMain = await page.evaluate(() => !!document.activeElement.closest('main'));
    f = await focused(page);
    assert.ok(inMain, `Tab after the skip link went to ${show(f)}, outside <main>`);

    // From the top: Tab to the 显示设置 link in the header and follow it.
    await page.goto(url('/'));
    await tabTo(page, (x) => x.tag === 'a' && (x.href || '').startsWith('/prefs'), 'the 显示设置 link');
    await Promise.all([page.waitForURL((u) => u.pathname === '/prefs'), page.keyboard.press('Enter')]);

    // The radio group: Tab lands on the checked option (标准版); ArrowDown selects 适老版.
    f = await tabTo(page, (x) => x.tag === 'input' && x.name === 'mode', 'the 页面版式 radio group');
    assert.equal(f.id, 'mode-standard', `focus entered the radio group on ${show(f)}`);
    await page.keyboard.press('ArrowDown');
    f = await focused(page);
    assert.equal(f.id, 'mode-elderly', `ArrowDown moved to ${show(f)}`);
    assert.ok(f.checked, 'ArrowDown did not select 适老版');
    await page.keyboard.press('Space');
    await page.screenshot({ path: screenshotPath('flow-prefs-elderly-selected') });
    await tabTo(page, (x) => x.tag === 'button' && x.type === 'submit', 'the 保存设置 button');
    await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.keyboard.press('Enter')]);

    let b = await bodyFacts(page);
    assert.match(b.cls, /\bmode-elderly\b/, 'body has no mode-elderly class after saving 适老版');
    assert.doesNotMatch(b.cls, /\bmode-contrast\b/);
    assert.ok(b.fontSize >= 18, `适老版 body text is ${b.fontSize}px (< 18px)`);
    assert.ok(b.lineHeight >= 1.8 - 0.01, `适老版 line height is ${b.lineHeight.toFixed(2)} (< 1.8)`);
    assert.ok(b.h1 >= b.fontSize * 1.4, `适老版 h1 (${b.h1}px) is not clearly larger than body text`);
    await page.screenshot({ path: screenshotPath('flow-home-after-elderly'), fullPage: true });

    // The setting persists across pages (a cookie; no JavaScript).
    await page.goto(url('/org/demo/'));
    assert.match((await bodyFacts(page)).cls, /\bmode-elderly\b/, '适老版 did not persist to /org/demo/');

    // Back to 标准版, with 高对比度 ticked by Space.
    await page.goto(url('/prefs'));
    f = await tabTo(page, (x) => x.tag === 'input' && x.name === 'mode', 'the 页面版式 radio group');
    assert.equal(f.id, 'mode-elderly', 'the saved choice 适老版 is not the checked radio');
    await page.keyboard.press('ArrowUp');
    assert.equal((await focused(page)).id, 'mode-standard');
    f = await tabTo(page, (x) => x.id === 'contrast', 'the 高对比度 checkbox');
    assert.equal(f.checked, false);
    await page.keyboard.press('Space');
    assert.equal((await focused(page)).checked, true, 'Space did not tick 高对比度');
    await tabTo(page, (x) => x.tag === 'button' && x.type === 'submit', 'the 保存设置 button');
    await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.keyboard.press('Enter')]);
    b = await bodyFacts(page);
    assert.doesNotMatch(b.cls, /\bmode-elderly\b/, 'mode-elderly still set after choosing 标准版');
    assert.match(b.cls, /\bmode-contrast\b/, 'no mode-contrast after ticking 高对比度');
    const colours = await page.evaluate(() => {
      const s = getComputedStyle(document.body);
      return { fg: s.color, bg: s.backgroundColor };
    });
    assert.deepEqual(colours, { fg: 'rgb(255, 255, 255)', bg: 'rgb(0, 0, 0)' }, 'high contrast is not white on black');

    assert.deepEqual(rec.foreign(), [], 'requests to other hosts');
    assert.deepEqual(rec.cspErrors, [], 'CSP violations');
  } finally {
    await context.close();
  }
});

test('form errors are announced: focus on the error summary, fields described by their messages', async () => {
  const { context, page, rec } = await keyboardPage();
  try {
    await page.goto(url('/admin/login'));
    await tabTo(page, (x) => x.id === 'username', 'the 用户名 field');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    await page.waitForSelector('.error-summary');
    const r = await page.evaluate(() => {
      const summary = document.querySelector('.error-summary');
      const fields = [...document.querySelectorAll('[aria-invalid=true]')].map((el) => {
        const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
        return {
          id: el.id,
          label: !!document.querySelector(`label[for="${el.id}"]`),
          described: ids.map((id) => document.getElementById(id)?.textContent.trim() || `(missing #${id})`).join(' '),
        };
      });
      const links = [...summary.querySelectorAll('a[href^="#"]')].map((a) => ({
        href: a.getAttribute('href'),
        exists: !!document.getElementById(a.getAttribute('href').slice(1)),
      }));
      return {
        title: document.title,
        role: summary.getAttribute('role'),
        focusedSummary: document.activeElement === summary,
        fields,
        links,
      };
    });
    assert.equal(r.role, 'alert');
    assert.ok(r.focusedSummary, 'focus is not on the error summary after the page reloads with errors');
    assert.match(r.title, /^错误/, `the title "${r.title}" does not say there are errors`);
    assert.ok(r.fields.length >= 1, 'no field is marked aria-invalid');
    for (const fld of r.fields) {
      assert.ok(fld.label, `#${fld.id} has no label`);
      assert.match(fld.described, /错误/, `#${fld.id} is not described by its error message (${fld.described})`);
    }
    for (const l of r.links) assert.ok(l.exists, `error summary link ${l.href} points at nothing`);

    // Following the first summary link by keyboard puts focus in the field.
    await page.keyboard.press('Tab');
    const f = await focused(page);
    assert.equal(f.tag, 'a', `first Tab from the summary went to ${show(f)}`);
    await page.keyboard.press('Enter');
    assert.equal((await focused(page)).id, r.links[0].href.slice(1), 'the summary link did not move focus to its field');
    await page.screenshot({ path: screenshotPath('flow-login-errors'), fullPage: true });
    assert.deepEqual(rec.foreign(), [], 'requests to other hosts');
    assert.deepEqual(rec.cspErrors, [], 'CSP violations');
  } finally {
    await context.close();
  }
});

test('staff login by keyboard only', async () => {
  const { context, page, rec } = await keyboardPage();
  try {
    await page.goto(url('/'));
    await tabTo(page, (x) => x.href === '/admin/login', 'the 工作人员登录 link');
    await Promise.all([page.waitForURL((u) => u.pathname === '/admin/login'), page.keyboard.press('Enter')]);
    await tabTo(page, (x) => x.id === 'username', 'the 用户名 field');
    await page.keyboard.type('demo-editor');
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).id, 'password', 'Tab from 用户名 does not go to 密码');
    await page.keyboard.type(passwordOf('demo-editor'));
    await Promise.all([page.waitForURL((u) => u.pathname === '/admin/'), page.keyboard.press('Enter')]);
    const main = await page.textContent('main');
    assert.match(main, /您好/, 'the dashboard does not greet the user');
    await page.screenshot({ path: screenshotPath('flow-staff-dashboard'), fullPage: true });
    assert.deepEqual(rec.foreign(), [], 'requests to other hosts');
    assert.deepEqual(rec.cspErrors, [], 'CSP violations');
  } finally {
    await context.close();
  }
});

test('search and open a document by keyboard', async (t) => {
  const { context, page, rec } = await keyboardPage();
  try {
    await page.goto(url('/'));
    const hasSearch = await page.evaluate(
      () => !!document.querySelector('form[role=search] input, input[type=search], form[action$="/search"] input[name]'),
    );
    if (!hasSearch) {
      t.skip('the site has no search form yet');
      return;
    }
    const query = process.env.GONGKAI_E2E_SEARCH_QUERY || '公开';
    await tabTo(page, (x) => x.tag === 'input' && ['search', 'text', null].includes(x.type), 'the search field', 60);
    await page.keyboard.type(query);
    await Promise.all([page.waitForURL((u) => u.pathname !== '/' || u.search !== ''), page.keyboard.press('Enter')]);
    // The first result: a link inside <main> that is not a pager or filter link.
    const f = await tabTo(
      page,
      (x) => x.tag === 'a' && !!x.href && !x.href.startsWith('#') && /\/(doc|docs|document|documents|zcwj|xxgk)\//.test(x.href),
      'a search result',
      80,
    );
    await Promise.all([page.waitForURL((u) => u.pathname === new URL(url(f.href)).pathname), page.keyboard.press('Enter')]);
    const h1 = (await page.textContent('h1'))?.trim();
    assert.ok(h1, 'the document page has no h1');
    assert.deepEqual(rec.foreign(), [], 'requests to other hosts');
    assert.deepEqual(rec.cspErrors, [], 'CSP violations');
  } finally {
    await context.close();
  }
});

/** Logs `username` in through the login form, by keyboard only. */
async function keyboardLogin(page, username) {
  await page.goto(url('/admin/login'));
  await tabTo(page, (x) => x.id === 'username', 'the 用户名 field');
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(passwordOf(username));
  await Promise.all([page.waitForURL((u) => u.pathname === '/admin/'), page.keyboard.press('Enter')]);
}

/** Presses Tab to the button labelled `label` and activates it with Enter, waiting for the next page. */
async function pressButton(page, label, max = 120) {
  await tabTo(page, (x) => x.tag === 'button' && x.text.startsWith(label), `the ${label} button`, max);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

test('staff draft, review, approve and publish a document by keyboard; the public finds it', async () => {
  const title = `键盘操作发布测试办法${Date.now()}`;
  const editor = await keyboardPage();
  let docPath;
  try {
    await keyboardLogin(editor.page, 'demo-editor');
    await editor.page.goto(url('/admin/documents/new'));
    await tabTo(editor.page, (x) => x.id === 'title', 'the 标题 field', 60);
    await editor.page.keyboard.type(title);
    await tabTo(editor.page, (x) => x.id === 'body', 'the 正文 field', 80);
    await editor.page.keyboard.type('第一条 为了检验键盘操作的发布流程，制定本办法。');
    await pressButton(editor.page, '保存草稿');
    docPath = new URL(editor.page.url()).pathname;
    assert.match(docPath, /^\/admin\/documents\/\d+$/, `saving went to ${docPath}`);
    await pressButton(editor.page, '提交审核');
    assert.deepEqual(editor.rec.foreign(), [], 'requests to other hosts');
  } finally {
    await editor.context.close();
  }
  // 公开前审查: the secrecy reviewer opens the review from the document page and approves the step.
  const reviewer = await keyboardPage();
  try {
    await keyboardLogin(reviewer.page, 'demo-reviewer');
    await reviewer.page.goto(url(docPath));
    const link = await tabTo(reviewer.page, (x) => x.tag === 'a' && (x.href || '').startsWith('/admin/review/edition/'), 'the 公开前审查 link', 120);
    await Promise.all([reviewer.page.waitForURL((u) => u.pathname === link.href), reviewer.page.keyboard.press('Enter')]);
    await pressButton(reviewer.page, '提交审查意见');
    assert.equal(new URL(reviewer.page.url()).pathname, '/admin/review', 'the step went back to the queue');
    assert.deepEqual(reviewer.rec.foreign(), [], 'requests to other hosts');
  } finally {
    await reviewer.context.close();
  }
  const signer = await keyboardPage();
  try {
    await keyboardLogin(signer.page, 'demo-signer');
    await signer.page.goto(url(docPath));
    await pressButton(signer.page, '审核通过并签发');
    await pressButton(signer.page, '立即发布');
    await signer.page.screenshot({ path: screenshotPath('flow-staff-published'), fullPage: true });
  } finally {
    await signer.context.close();
  }
  // A citizen searches from the home page and opens it (the index follows within seconds).
  const citizen = await keyboardPage();
  try {
    const id = docPath.split('/').pop();
    let found = false;
    for (let attempt = 0; attempt < 20 && !found; attempt++) {
      await citizen.page.goto(url('/'));
      await tabTo(citizen.page, (x) => x.id === 'home-q', 'the home search field', 60);
      await citizen.page.keyboard.type(title);
      await Promise.all([citizen.page.waitForURL((u) => u.pathname === '/search'), citizen.page.keyboard.press('Enter')]);
      found = (await citizen.page.locator(`main a[href="/doc/${id}"]`).count()) > 0;
      if (!found) await citizen.page.waitForTimeout(500);
    }
    assert.ok(found, 'the published document is not in the public search results');
    const f = await tabTo(citizen.page, (x) => x.tag === 'a' && x.href === `/doc/${id}`, 'the result link', 80);
    await Promise.all([citizen.page.waitForURL((u) => u.pathname === f.href), citizen.page.keyboard.press('Enter')]);
    assert.equal((await citizen.page.textContent('main h1'))?.trim(), title);
    await citizen.page.screenshot({ path: screenshotPath('flow-published-public'), fullPage: true });
    assert.deepEqual(citizen.rec.foreign(), [], 'requests to other hosts');
  } finally {
    await citizen.context.close();
  }
});

test('find a policy document in 政策文件 and open it by keyboard', async (t) => {
  const { context, page, rec } = await keyboardPage();
  try {
    const resp = await page.goto(url('/documents'));
    if (resp.status() === 404) {
      t.skip('the site has no /documents page');
      return;
    }
    const total = await page.locator('.doc-list a').count();
    if (total === 0) {
      t.skip('no published documents in the demo content');
      return;
    }
    // Choose 有效性 = 现行有效 with the arrow keys on the closed select, then submit with Enter.
    await tabTo(page, (x) => x.id === 'f-validity', 'the 有效性 filter', 60);
    const before = await page.inputValue('#f-validity');
    await page.keyboard.press('ArrowUp');
    let now = await page.inputValue('#f-validity');
    if (now === before) {
      await page.keyboard.press('ArrowDown');
      now = await page.inputValue('#f-validity');
    }
    assert.notEqual(now, before, 'arrow keys did not change the 有效性 filter');
    await tabTo(page, (x) => x.tag === 'button' && x.type === 'submit', 'the 筛选 button');
    await Promise.all([page.waitForURL((u) => u.searchParams.get('validity') === now), page.keyboard.press('Enter')]);
    // The first document in the list, by Tab; Enter opens it.
    const f = await tabTo(page, (x) => x.tag === 'a' && /^\/doc\/\d+$/.test(x.href || ''), 'a document in the list', 80);
    await Promise.all([page.waitForURL((u) => u.pathname === f.href), page.keyboard.press('Enter')]);
    const h1 = (await page.textContent('main h1'))?.trim();
    assert.ok(h1, 'the document page has no h1');
    assert.ok((await page.title()).startsWith(h1), `the title "${await page.title()}" does not name the document`);
    await page.screenshot({ path: screenshotPath('flow-document-opened'), fullPage: true });
    assert.deepEqual(rec.foreign(), [], 'requests to other hosts');
    assert.deepEqual(rec.cspErrors, [], 'CSP violations');
  } finally {
    await context.close();
  }
});

// Every public page: Tab from the top visits each focusable control exactly once, in document order,
// with a visible focus indicator, scrolled into view; nothing traps focus.
// The combinations of one page share a browser context and tab (mode cookie and viewport set, then
// the page loaded afresh, so each walk starts from a new document); pages run
// GONGKAI_E2E_CONCURRENCY (default 2) at a time.
const focusModes = MODES.filter((m) => m.name === 'standard' || m.name === 'elderly-contrast');
describe('focus order and visibility', { concurrency: Number(process.env.GONGKAI_E2E_CONCURRENCY || 2) }, () => {
  for (const spec of PUBLIC_PAGES.filter((p) => !p.prepare)) {
    describe(`focus order and visibility: ${spec.name}`, { concurrency: 1 }, () => {
      let tab;
      after(() => tab?.context.close());
      for (const mode of focusModes) {
        for (const viewport of VIEWPORTS) {
          const todo = mode.prefs && spec.modesTodo ? spec.modesTodo : undefined;
          test(`focus order and visibility: ${spec.name} · ${mode.name} · ${viewport.name}`, { todo }, async () => {
            tab ??= await keyboardPage({ viewport });
            const { context, page, rec } = tab;
            await setDisplayMode(context, mode);
            await page.setViewportSize({ width: viewport.width, height: viewport.height });
            rec.requests.length = 0;
            rec.cspErrors.length = 0;
            const resp = await page.goto(url(spec.path));
            assert.equal(resp.status(), spec.status ?? 200);
            const expected = await page.evaluate(() =>
              [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
                .filter((el) => el.tabIndex >= 0 && !el.disabled && getComputedStyle(el).visibility !== 'hidden' && el.getClientRects().length > 0)
                // One stop per radio group.
                .filter((el, i, all) => !(el.type === 'radio' && all.findIndex((o) => o.type === 'radio' && o.name === el.name) !== i))
                .map((el) => `${[...document.querySelectorAll('*')].indexOf(el)}:${el.outerHTML.slice(0, 160)}`),
            );
            // How each control looks unfocused: the focus indicator must change that.
            const unfocused = await page.evaluate(() => {
              const out = {};
              const all = [...document.querySelectorAll('*')];
              for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')) {
                const s = getComputedStyle(el);
                out[all.indexOf(el)] = [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor, s.color].join('|');
              }
              return out;
            });
            const seen = [];
            const problems = [];
            for (let i = 0; i < expected.length + 5; i++) {
              await page.keyboard.press('Tab');
              const f = await focused(page);
              if (f.none || (seen.length && f.key === seen[0])) break; // left the page or wrapped round
              if (seen.includes(f.key)) {
                problems.push(`focus returned to ${show(f)}`);
                break;
              }
              seen.push(f.key);
              if (!f.indicator) problems.push(`no focus indicator on ${show(f)}`);
              else if (unfocused[f.key.split(':')[0]] === f.look) problems.push(`focus does not change how ${show(f)} looks`);
              if (!f.inViewport) problems.push(`focused ${show(f)} is not in view`);
            }
            const radioGroups = expected.filter((k) => k.includes('type="radio"'));
            const missing = expected.filter((k) => !seen.includes(k) && !radioGroups.includes(k));
            if (missing.length) problems.push(`not reachable by Tab:\n    ${missing.join('\n    ')}`);
            const order = seen.filter((k) => expected.includes(k));
            const expectedOrder = expected.filter((k) => order.includes(k));
            if (order.join('\n') !== expectedOrder.join('\n')) problems.push('Tab order differs from document order');
            assert.deepEqual(rec.cspErrors, [], 'CSP violations');
            assert.ok(problems.length === 0, `${spec.path}:\n  ${problems.join('\n  ')}`);
          });
        }
      }
    });
  }
});
