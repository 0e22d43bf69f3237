// Demo staff accounts: passwords read from the server's first-start output, login through the real
// form, and the second factor (TOTP, RFC 6238) computed here for the administrator accounts.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import { url } from './harness.mjs';

/** username -> password, from the table `gongkai serve --demo` prints once on stdout. */
export function demoAccounts() {
  const file = process.env.GONGKAI_E2E_SERVER_STDOUT;
  if (!file) throw new Error('GONGKAI_E2E_SERVER_STDOUT is not set: run the browser tests with `bash e2e/run.sh`');
  const accounts = new Map();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 4 && /^demo-[a-z-]+$/.test(cols[0])) accounts.set(cols[0], cols[cols.length - 1]);
  }
  return accounts;
}

export function passwordOf(username) {
  const p = demoAccounts().get(username);
  if (!p) throw new Error(`no password for ${username} in the server output (was the data directory fresh?)`);
  return p;
}

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of s.toUpperCase().replace(/[\s=]/g, '')) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new Error(`bad base32 character ${c}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The 6-digit TOTP code (SHA-1, 30 s) of `secret` for the time step `step`. */
export function totp(secret, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1_000_000).padStart(6, '0');
}

// TOTP secrets enrolled in this run, and the last time step used per account (the server refuses a
// reused step), shared by the test files (each runs in its own process) through a file in the
// run's scratch directory.
const stateFile = process.env.GONGKAI_E2E_STATE_DIR ? path.join(process.env.GONGKAI_E2E_STATE_DIR, 'totp.json') : null;
const memory = {};
function loadState() {
  if (!stateFile || !existsSync(stateFile)) return memory;
  return JSON.parse(readFileSync(stateFile, 'utf8'));
}
function saveState(state) {
  if (stateFile) writeFileSync(stateFile, JSON.stringify(state));
  else Object.assign(memory, state);
}

// The server's clock runs at a fixed offset from ours (e2e/run.sh starts it on a fixed day).
const clockOffsetMs = Number(process.env.GONGKAI_E2E_CLOCK_OFFSET_MS || 0);
const serverNow = () => Date.now() + clockOffsetMs;

async function freshCode(username, secret) {
  const state = loadState();
  const entry = state[username] || {};
  if (secret) entry.secret = secret;
  if (!entry.secret) throw new Error(`${username} asks for a second factor that this run did not enrol`);
  let step = Math.floor(serverNow() / 30_000);
  if (entry.lastStep >= step) {
    await new Promise((r) => setTimeout(r, (step + 1) * 30_000 - serverNow() + 200));
    step = Math.floor(serverNow() / 30_000);
  }
  entry.lastStep = step;
  state[username] = entry;
  saveState(state);
  return totp(entry.secret, step);
}

/**
 * Logs `username` in with `page` (enrolling a second factor when the server asks for one) and
 * returns the context's storage state for reuse.
 */
export async function login(page, username) {
  await page.goto(url('/admin/login'));
  await page.fill('#username', username);
  await page.fill('#password', passwordOf(username));
  await Promise.all([page.waitForNavigation(), page.click('form[action="/admin/login"] button[type=submit]')]);
  let path = new URL(page.url()).pathname;
  if (path === '/admin/totp/enroll') {
    const uri = await page.textContent('details code');
    const secret = new URL(uri).searchParams.get('secret');
    await page.fill('#code', await freshCode(username, secret));
    await Promise.all([page.waitForNavigation(), page.click('form[action="/admin/totp/enroll"] button[type=submit]')]);
  } else if (path === '/admin/login/totp') {
    await page.fill('#code', await freshCode(username));
    await Promise.all([page.waitForNavigation(), page.click('form[action="/admin/login/totp"] button[type=submit]')]);
  }
  path = new URL(page.url()).pathname;
  if (!path.startsWith('/admin') || path === '/admin/login' || path.startsWith('/admin/totp') || path === '/admin/login/totp') {
    throw new Error(`login of ${username} ended on ${page.url()}`);
  }
  return page.context().storageState();
}

// Logged-in storage states shared by the test files of a run (each file runs in its own process),
// kept as files in the run's scratch directory.
const sessionDir = process.env.GONGKAI_E2E_STATE_DIR || null;
const sessions = new Map();
let logins = Promise.resolve();

/** True when the kept storage state's session still opens the console (not ended by the idle timeout). */
async function stillLoggedIn(state) {
  const cookie = (state.cookies || []).map((c) => `${c.name}=${c.value}`).join('; ');
  if (!cookie) return false;
  try {
    const r = await fetch(url('/admin/'), { headers: { Cookie: cookie }, redirect: 'manual' });
    return r.status === 200;
  } catch {
    return false;
  }
}

/**
 * The storage state of a logged-in session of `username`, for `browser.newContext({storageState})`.
 * One login per account and run: the state is kept for the other test files, and a kept session
 * that has ended is replaced by a new login. Logins run one at a time (the second-factor state
 * above is one file).
 */
export function staffSession(browser, username) {
  if (!sessions.has(username)) {
    const next = logins.then(async () => {
      const file = sessionDir ? path.join(sessionDir, `session-${username}.json`) : null;
      if (file && existsSync(file)) {
        const kept = JSON.parse(readFileSync(file, 'utf8'));
        if (await stillLoggedIn(kept)) return kept;
      }
      const context = await browser.newContext();
      try {
        const state = await login(await context.newPage(), username);
        if (file) writeFileSync(file, JSON.stringify(state));
        return state;
      } finally {
        await context.close();
      }
    });
    logins = next.catch(() => {});
    sessions.set(username, next);
  }
  return sessions.get(username);
}
