// Page weight: for each page of pages.mjs, every resource the browser loads for it (HTML, CSS, any
// JS, images, fonts) is fetched again with `Accept-Encoding: br, gzip` and its compressed body bytes
// are summed. Budget: under 100 KB (102,400 bytes) per page; no request may leave the server.
// The table is printed and written to artifacts/page-weight.md and page-weight.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_PAGES } from '../pages.mjs';
import { launch, newContext, recordRequests, url, ORIGIN, ARTIFACTS } from '../lib/harness.mjs';
import { staffSession } from '../lib/staff.mjs';

const BUDGET = 100 * 1024;
let browser;
const rows = [];

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (!rows.length) return;
  const kb = (n) => (n / 1024).toFixed(1);
  const lines = [
    '| Page | Path | Requests | HTML (enc.) | CSS (enc.) | JS | Other | Total compressed | Total uncompressed |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | \`${r.path}\` | ${r.requests} | ${kb(r.html)} KB (${r.htmlEncoding}) | ${kb(r.css)} KB (${r.cssEncoding}) | ${kb(r.js)} KB | ${kb(r.other)} KB | **${kb(r.total)} KB** | ${kb(r.raw)} KB |`,
    ),
  ];
  const table = lines.join('\n');
  console.log(`\n# Page weight (budget ${kb(BUDGET)} KB compressed per page)\n${table}\n`);
  writeFileSync(path.join(ARTIFACTS, 'page-weight.md'), `${table}\n`);
  writeFileSync(path.join(ARTIFACTS, 'page-weight.json'), JSON.stringify(rows, null, 2));
});

/** GET with Accept-Encoding br/gzip; the body bytes exactly as sent (compressed) and decompressed. */
function fetchRaw(target, cookie) {
  return new Promise((resolve, reject) => {
    const req = http.get(target, { headers: { 'Accept-Encoding': 'br, gzip', ...(cookie ? { Cookie: cookie } : {}) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const enc = res.headers['content-encoding'] || 'identity';
        let raw = body;
        if (enc === 'br') raw = zlib.brotliDecompressSync(body);
        else if (enc === 'gzip') raw = zlib.gunzipSync(body);
        resolve({ status: res.statusCode, type: res.headers['content-type'] || '', enc, bytes: body.length, raw: raw.length });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

for (const spec of ALL_PAGES.filter((p) => p.weigh !== false && !p.prepare)) {
  test(`page weight: ${spec.name} (${spec.path})`, async () => {
    // A fresh context per page: an empty HTTP cache, so every resource the page needs is requested.
    // Staff pages reuse the run's login of the account (lib/staff.mjs).
    const state = spec.as ? await staffSession(browser, spec.as) : undefined;
    const context = await newContext(browser, { storageState: state });
    try {
      const page = await context.newPage();
      const rec = recordRequests(page);
      await page.goto(url(spec.path));
      await page.waitForLoadState('networkidle');
      assert.deepEqual(rec.foreign(), [], 'requests to other hosts');
      assert.deepEqual(rec.cspErrors, [], 'CSP violations');

      const cookie = (await context.cookies(ORIGIN)).map((c) => `${c.name}=${c.value}`).join('; ');
      const row = { name: spec.name, path: spec.path, requests: 0, html: 0, css: 0, js: 0, other: 0, total: 0, raw: 0, htmlEncoding: '-', cssEncoding: '-' };
      for (const u of [...new Set(rec.requests)].filter((x) => x.startsWith(ORIGIN))) {
        const r = await fetchRaw(u, cookie);
        row.requests += 1;
        row.total += r.bytes;
        row.raw += r.raw;
        if (r.type.startsWith('text/html')) {
          row.html += r.bytes;
          row.htmlEncoding = r.enc;
        } else if (r.type.startsWith('text/css')) {
          row.css += r.bytes;
          row.cssEncoding = r.enc;
        } else if (/javascript/.test(r.type)) row.js += r.bytes;
        else row.other += r.bytes;
        if (/^text\/(html|css)/.test(r.type) && r.raw > 1024) {
          assert.ok(['br', 'gzip'].includes(r.enc), `${u} (${r.raw} bytes) is sent uncompressed`);
        }
      }
      rows.push(row);
      assert.ok(row.total < BUDGET, `${spec.path} weighs ${row.total} bytes compressed (budget ${BUDGET})`);
    } finally {
      await context.close();
    }
  });
}
