// Shared helpers for the browser tests that need accounts: plain HTTP calls to the server
// (with a chosen local loopback address), registration with the activation link picked from
// the outbox, staff accounts, and a Chromium launcher.
//
// run.sh sets TRIBUNE_URL, TRIBUNE_DATA_DIR (the server's --data-dir) and TRIBUNE_BIN.
import http from 'node:http';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

export const BASE = (process.env.TRIBUNE_URL ?? '').replace(/\/+$/, '');
export const ORIGIN = BASE ? new URL(BASE).origin : '';
export const DATA_DIR = process.env.TRIBUNE_DATA_DIR ?? '';
export const BIN = process.env.TRIBUNE_BIN ?? '';
export const OUTBOX = process.env.TRIBUNE_OUTBOX_DIR ?? (DATA_DIR ? path.join(DATA_DIR, 'outbox') : '');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The demo's staff accounts (crates/tribune/src/community.rs), a fallback for the CLI. */
export const DEMO_EDITOR = { email: 'redactie@demo.tribune.invalid', password: 'tribune-demo-2026' };
export const DEMO_MODERATOR = { email: 'moderator@demo.tribune.invalid', password: 'tribune-demo-2026' };

/** A short id that keeps this run's addresses apart from any other run's. */
export const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

// ---------------------------------------------------------------------------------------
// Plain HTTP

const agents = new Map();
function agentFor(localAddress) {
  const key = localAddress ?? '';
  if (!agents.has(key)) agents.set(key, new http.Agent({ keepAlive: true, maxSockets: 8 }));
  return agents.get(key);
}

/** Closes the kept-alive connections, so the test process can end. */
export function closeConnections() {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/**
 * One request to the server, redirects not followed. `json` is sent as the body;
 * `cookie` as the Cookie header; `localAddress` picks the loopback address the request
 * comes from (the server counts some limits per client address). State-changing requests
 * carry `Origin: <the server's origin>`, as a browser on the site would.
 */
export function request(method, urlPath, { json, form, cookie, localAddress, headers = {} } = {}) {
  const url = new URL(urlPath, BASE);
  let body;
  const h = { Accept: 'application/json', ...headers };
  if (json !== undefined) {
    body = Buffer.from(JSON.stringify(json));
    h['Content-Type'] = 'application/json';
  } else if (form !== undefined) {
    body = Buffer.from(new URLSearchParams(form).toString());
    h['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  if (body) h['Content-Length'] = String(body.length);
  if (!['GET', 'HEAD', 'OPTIONS'].includes(method)) h.Origin = ORIGIN;
  if (cookie) h.Cookie = cookie;
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, headers: h, localAddress, agent: agentFor(localAddress) },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let data = null;
          if (/json/.test(res.headers['content-type'] ?? '')) {
            try {
              data = JSON.parse(text);
            } catch {
              data = null;
            }
          }
          resolve({ status: res.statusCode, headers: res.headers, text, data, cookie: sessionCookie(res.headers) });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${urlPath}: no answer within 30 s`)));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** `name=value` of the session cookie a response sets (a cleared one gives ''), or null. */
function sessionCookie(headers) {
  for (const line of headers['set-cookie'] ?? []) {
    const m = line.match(/^(tribune_sessie|__Host-tribune)=([^;]*)/);
    if (m) return m[2] ? `${m[1]}=${m[2]}` : '';
  }
  return null;
}

/** What went wrong in a response, for assertion messages. */
export function describe(res) {
  const detail = res.data?.detail ?? res.data?.message ?? res.text.slice(0, 300);
  return `HTTP ${res.status}: ${detail}`;
}

/** A logged-in account, as seen by plain HTTP calls. */
export class Account {
  constructor({ email, password, displayName = null, cookie, localAddress, id = null, role = 'reader' }) {
    Object.assign(this, { email, password, displayName, cookie, localAddress, id, role });
  }

  call(method, urlPath, json) {
    return request(method, urlPath, { json, cookie: this.cookie, localAddress: this.localAddress });
  }

  /** Fills in id, display name and role from /api/v1/me; fails when not logged in. */
  async whoAmI() {
    const res = await this.call('GET', '/api/v1/me');
    if (res.status !== 200 || !res.data?.account) {
      throw new Error(`/api/v1/me does not know ${this.email}: ${describe(res)}`);
    }
    this.id = res.data.account.id;
    this.displayName = res.data.account.display_name;
    this.role = res.data.account.role;
    this.csrf = res.data.csrf;
    return this;
  }

  /** The session cookie for a Playwright context. */
  browserCookie() {
    const [name, value] = this.cookie.split('=');
    return { name, value, url: BASE };
  }
}

/** Logs in through the JSON API. */
export async function login(email, password, localAddress) {
  const res = await request('POST', '/api/v1/session', { json: { email, password }, localAddress });
  if (res.status !== 200 || !res.cookie) {
    throw new Error(`login of ${email} failed: ${describe(res)}`);
  }
  return new Account({ email, password, cookie: res.cookie, localAddress }).whoAmI();
}

// ---------------------------------------------------------------------------------------
// Mail

const seenMail = new Map(); // file name -> parsed mail

/** Parses one outbox file: headers (To, Subject) and the text. */
function parseMail(raw) {
  const split = raw.indexOf('\n\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const text = split < 0 ? '' : raw.slice(split + 2);
  const headers = {};
  for (const line of head.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let subject = headers.subject ?? '';
  const encoded = subject.match(/^=\?utf-8\?B\?(.*)\?=$/i);
  if (encoded) subject = Buffer.from(encoded[1], 'base64').toString('utf8');
  return { to: (headers.to ?? '').toLowerCase(), subject, text, headers };
}

/**
 * Waits until the outbox holds a mail to `to` that `match` accepts, and returns it.
 * Files are written whole (renamed into place), so a listed .eml is complete.
 */
export async function waitForMail(to, match = () => true, timeoutMs = 20_000) {
  if (!OUTBOX) throw new Error('TRIBUNE_DATA_DIR is not set: cannot read the outbox (run.sh sets it)');
  const wanted = to.toLowerCase();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let names = [];
    try {
      names = (await readdir(OUTBOX)).filter((n) => n.endsWith('.eml')).sort();
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
    for (const name of names) {
      if (!seenMail.has(name)) {
        seenMail.set(name, { file: path.join(OUTBOX, name), ...parseMail(await readFile(path.join(OUTBOX, name), 'utf8')) });
      }
      const mail = seenMail.get(name);
      if (mail.to === wanted && match(mail) && !mail.used) {
        mail.used = true;
        return mail;
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `no mail to ${to} in ${OUTBOX} within ${timeoutMs / 1000} s (${names.length} mails there); ` +
          'is the outbox (DATA_DIR/outbox) set up for servers without SMTP?',
      );
    }
    // Polling the folder: the condition is "the file is there", checked every 50 ms.
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The activation link in a mail: its full URL as written. */
export function activationLink(mail) {
  const m = mail.text.match(/https?:\/\/\S+\/account\/bevestigen\?token=[0-9A-Za-z]+/);
  if (!m) throw new Error(`the mail "${mail.subject}" to ${mail.to} holds no /account/bevestigen?token= link:\n${mail.text}`);
  return m[0];
}

/** The path and query of a link, to open it on the server under test. */
export function localPart(link) {
  const u = new URL(link);
  return u.pathname + u.search;
}

/**
 * Registers through the JSON API and confirms the address with the link from the outbox,
 * which also logs the account in. Returns { account } or, when the server refused the
 * registration, { refused: "HTTP 400: ..." }.
 */
export async function registerAndConfirm({ email, displayName, password, localAddress }) {
  const res = await request('POST', '/api/v1/accounts', {
    json: { email, display_name: displayName, password },
    localAddress,
  });
  if (res.status === 400) return { refused: describe(res) };
  if (res.status !== 202) throw new Error(`registering ${email} answered ${describe(res)}`);
  const mail = await waitForMail(email, (m) => /bevestigen\?token=/.test(m.text));
  const link = activationLink(mail);
  const confirm = await request('GET', localPart(link), { localAddress });
  if (confirm.status !== 303 || !confirm.cookie) {
    throw new Error(`the activation link for ${email} answered ${describe(confirm)} (expected 303 with a session cookie)`);
  }
  const account = await new Account({ email, password, cookie: confirm.cookie, localAddress }).whoAmI();
  return { account, link };
}

// ---------------------------------------------------------------------------------------
// Staff

const execFileP = promisify(execFile);

/**
 * A staff account: made with `tribune user add --role ROLE EMAIL` (password from
 * TRIBUNE_PASSWORD) against the server's data directory when the binary has that command,
 * else the demo's account for that role. Returns { account, how }.
 */
export async function staffAccount(role, label, localAddress) {
  const email = `${label}-${RUN}@e2e.tribune.invalid`;
  const password = `e2e ${role} wachtwoord ${RUN}`;
  let cliProblem = null;
  if (BIN && DATA_DIR) {
    try {
      await execFileP(BIN, ['--data-dir', DATA_DIR, 'user', 'add', '--role', role, email], {
        env: { ...process.env, TRIBUNE_PASSWORD: password },
        timeout: 60_000,
      });
      return { account: await login(email, password, localAddress), how: `tribune user add --role ${role}` };
    } catch (e) {
      cliProblem = `${(e.stderr || e.message || String(e)).trim().split('\n').slice(-3).join(' | ')}`;
    }
  } else {
    cliProblem = 'TRIBUNE_BIN or TRIBUNE_DATA_DIR not set';
  }
  const demo = role === 'moderator' ? DEMO_MODERATOR : DEMO_EDITOR;
  try {
    return {
      account: await login(demo.email, demo.password, localAddress),
      how: `demo account ${demo.email} (tribune user add failed: ${cliProblem})`,
    };
  } catch (e) {
    throw new Error(
      `no ${role} account: \`tribune user add --role ${role}\` failed (${cliProblem}) and the demo's ${demo.email} ` +
        `cannot log in (${e.message})`,
    );
  }
}

// ---------------------------------------------------------------------------------------
// Articles

/** Every published article, newest first, from /api/v1/articles. */
export async function allArticles() {
  const out = [];
  let cursor = null;
  for (let i = 0; i < 50; i++) {
    const q = `/api/v1/articles?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await request('GET', q);
    if (res.status !== 200) throw new Error(`${q} answered ${describe(res)}`);
    out.push(...res.data.articles);
    cursor = res.data.next_cursor;
    if (!cursor) break;
  }
  return out;
}
