// Browser end-to-end tests of the live match: a reader keeps the match page (and the home
// page with its score chips) open while the newsroom plays the match through the JSON API.
// Nothing is ever reloaded: everything must arrive over the page's event streams.
//
// Each test starts its own demo server (fresh data directory, free port, --demo-still so the
// simulator does not change the score under us): the tests change the live match and stop
// the server, which the shared server of run.sh must not see. run.sh only supplies
// TRIBUNE_BIN; the shared server it starts is not used here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BIN, DEMO_EDITOR, RUN, launchBrowser } from './lib/tribune.js';

const execFileP = promisify(execFile);
/** How long the page may take to show a change (the stream itself needs about a second). */
const LIVE_TIMEOUT = 30_000;

let browser;

before(async () => {
  assert.ok(BIN, 'TRIBUNE_BIN is not set: run through e2e/run.sh (or set it to the tribune binary)');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

// ---------------------------------------------------------------------------------------
// A server of our own

/** Every server process this file started: killed on exit whatever happens. */
const children = new Set();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** A port the kernel says is free now (kept for restarts of the same server). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The environment without TRIBUNE_* (run.sh's TRIBUNE_DATA_DIR names the shared server's). */
function childEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TRIBUNE_')));
}

/**
 * A demo server on a fresh data directory: `start()` (again after `stop()`: same port and
 * data directory), `stop()`, `api()`, `log()`; `dispose()` stops it and removes the data.
 */
async function ownServer() {
  const root = await mkdtemp(path.join(os.tmpdir(), 'tribune-live-'));
  const dataDir = path.join(root, 'data');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const lines = [];
  let child = null;
  let token = null;

  const server = {
    base,
    dataDir,
    /** The last lines the server printed (all runs), for failure messages. */
    log: () => lines.slice(-40).join('\n'),

    async start() {
      const args = ['--data-dir', dataDir, 'serve', '--demo', '--demo-still', '--listen', `127.0.0.1:${port}`];
      child = spawn(BIN, args, { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      const proc = child;
      let spawnError = null;
      proc.on('error', (e) => {
        spawnError = e;
      });
      for (const stream of [proc.stdout, proc.stderr]) {
        stream.setEncoding('utf8');
        stream.on('data', (chunk) => {
          // Colour codes make the log unreadable in an assertion message.
          lines.push(...chunk.replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter(Boolean));
          if (lines.length > 400) lines.splice(0, lines.length - 400);
        });
      }
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (spawnError) throw new Error(`cannot start ${BIN}: ${spawnError.message}`);
        if (proc.exitCode !== null || proc.signalCode !== null) {
          throw new Error(`the server exited (${proc.exitCode ?? proc.signalCode}) before /healthz answered:\n${server.log()}`);
        }
        const res = await get(`${base}/healthz`).catch(() => null);
        if (res?.status === 200) break;
        if (Date.now() > deadline) throw new Error(`${base}/healthz did not answer 200 within 60 s:\n${server.log()}`);
        // Polling for the server to come up: the condition is the 200, checked every 100 ms.
        await new Promise((r) => setTimeout(r, 100));
      }
      if (!token) {
        // A personal API token of the demo editor, for the newsroom calls.
        const { stdout } = await execFileP(
          BIN,
          ['--data-dir', dataDir, 'user', 'token', DEMO_EDITOR.email, `e2e live ${RUN}`],
          { env: childEnv(), timeout: 60_000 },
        );
        token = stdout.trim().split(/\s+/).find((w) => w.startsWith('trb_'));
        assert.ok(token, `\`tribune user token\` printed no trb_ token: ${stdout}`);
      }
    },

    /** SIGINT, and SIGKILL when it has not exited 10 s later. Says how it ended. */
    async stop() {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return { forced: false };
      const exited = once(proc, 'exit');
      proc.kill('SIGINT');
      const inTime = await within(exited, 10_000, 'no exit').then(
        () => true,
        () => false,
      );
      if (!inTime) {
        proc.kill('SIGKILL');
        await exited;
      }
      children.delete(proc);
      return { forced: !inTime, code: proc.exitCode, signal: proc.signalCode };
    },

    async dispose() {
      await server.stop();
      await rm(root, { recursive: true, force: true });
    },

    /** A JSON API call with the editor's token; answers { status, data, text }. */
    api(method, urlPath, json) {
      return call(method, `${base}${urlPath}`, json, token);
    },
  };
  return server;
}

/**
 * One HTTP request on a connection of its own (a kept-alive one would not survive the
 * restart).
 */
function call(method, url, json, token) {
  const body = json === undefined ? null : Buffer.from(JSON.stringify(json));
  const headers = { Accept: 'application/json' };
  if (body) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(body.length);
  }
  if (token) headers.Authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let data = null;
        try {
          data = JSON.parse(text);
        } catch {
          // Not JSON (a page, /healthz): the text is there.
        }
        resolve({ status: res.statusCode, data, text });
      });
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url}: no answer within 30 s`)));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

const get = (url) => call('GET', url);

/** A newsroom write that must succeed with `status`; answers the JSON body. */
async function post(server, method, urlPath, json, status = 201) {
  const res = await server.api(method, urlPath, json);
  assert.equal(res.status, status, `${method} ${urlPath} ${JSON.stringify(json)} answered ${res.status}: ${res.text.slice(0, 300)}`);
  return res.data;
}

/** The demo's live match, Genk - Antwerp, from the public API. */
async function liveMatch(server) {
  const res = await server.api('GET', '/api/v1/matches?live=true');
  assert.equal(res.status, 200, `/api/v1/matches?live=true answered ${res.status}`);
  const m = res.data.matches.find((x) => x.home?.short_name === 'Genk' && x.away?.short_name === 'Antwerp');
  assert.ok(m, `no live Genk - Antwerp in /api/v1/matches?live=true: ${res.text.slice(0, 300)}`);
  assert.deepEqual(m.score, { home: 1, away: 0 }, 'the demo match starts at 1-0');
  return m;
}

// ---------------------------------------------------------------------------------------
// The page

async function openPage(context, server, urlPath) {
  const page = await context.newPage();
  page.setDefaultTimeout(LIVE_TIMEOUT);
  const errors = [];
  page.on('pageerror', (e) => errors.push(`uncaught exception on ${page.url()}: ${e.message}`));
  const response = await page.goto(`${server.base}${urlPath}`, { waitUntil: 'load' });
  assert.equal(response?.status(), 200, `${urlPath} answered ${response?.status()}`);
  // A reload (the stream's "reload" message, or anything else) would show the server's
  // fresh rendering and hide a stream that lost messages: this mark must survive the test.
  await page.evaluate(() => {
    window.__notReloaded = true;
  });
  return { page, errors };
}

async function assertNotReloaded(page) {
  assert.equal(await page.evaluate(() => window.__notReloaded === true), true, `${page.url()} was reloaded`);
}

/**
 * Waits until `predicate(arg)` holds in the page; on timeout fails with `describe(arg)`,
 * evaluated in the page, so the message says what the page showed instead.
 */
async function waitInPage(page, what, predicate, arg, describeFn) {
  try {
    await page.waitForFunction(predicate, arg, { timeout: LIVE_TIMEOUT });
  } catch (e) {
    const shown = describeFn ? await page.evaluate(describeFn, arg).catch((x) => `(page not readable: ${x.message})`) : '';
    assert.fail(`${what}: not within ${LIVE_TIMEOUT / 1000} s without a reload. The page shows: ${shown}\n(${e.message.split('\n')[0]})`);
  }
}

const scoreShown = () => document.querySelector('[data-score]')?.textContent.trim() ?? '(no [data-score])';

function waitForScore(page, score) {
  return waitInPage(
    page,
    `the score on the match page becomes ${score}`,
    (want) => document.querySelector('[data-score]')?.textContent.trim() === want,
    score,
    scoreShown,
  );
}

function waitForEntry(page, id, text) {
  return waitInPage(
    page,
    `liveblog entry ${id} "${text}" appears`,
    ([id, text]) => document.querySelector(`[data-entries] [data-entry="${id}"]`)?.textContent.includes(text) ?? false,
    [id, text],
    () => `entries ${[...document.querySelectorAll('[data-entries] [data-entry]')].map((li) => li.dataset.entry).join(', ')}`,
  );
}

/** Text of the live chips beside headlines (each "Genk 1-0 Antwerp 30'"). */
const chipTexts = () => [...document.querySelectorAll('.live-chip')].map((c) => c.textContent.replace(/\s+/g, ' ').trim());

function waitForChips(page, text) {
  return waitInPage(
    page,
    `the home page's live chips read "${text}"`,
    (want) => {
      const chips = [...document.querySelectorAll('.live-chip')];
      return chips.length > 0 && chips.every((c) => c.textContent.includes(want));
    },
    text,
    chipTexts,
  );
}

/**
 * Runs in the page before its script: notes every message of every EventSource with the
 * connection it came on (the native reconnect reuses the object, so count 'open's), to tell a
 * resume from a replay. Only watches; the page script works as it would without it.
 */
function recordStreams() {
  const Native = window.EventSource;
  window.__streams = [];
  const opens = {};
  window.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init);
      const path = new URL(url, location.href).pathname;
      this.addEventListener('open', () => {
        opens[path] = (opens[path] ?? 0) + 1;
      });
      for (const type of ['board', 'entry', 'reload']) {
        this.addEventListener(type, (e) => window.__streams.push({ path, type, id: e.lastEventId, conn: opens[path] }));
      }
    }
  };
}

/** The match-stream messages the page got so far: { type, id, conn }. */
function streamMessages(page) {
  return page.evaluate(() =>
    window.__streams.filter((x) => x.path.startsWith('/live/match/')).map(({ type, id, conn }) => ({ type, id, conn })),
  );
}

/** `promise`, or a failure with `message` when it has not settled after `ms`. */
async function within(promise, ms, message) {
  let timer;
  try {
    return await Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Adds the server's log to a failure, which is where the cause usually is. */
async function withServerLog(server, fn) {
  try {
    await fn();
  } catch (e) {
    e.message += `\n---- last lines of the test's own server (${server.base}) ----\n${server.log()}`;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------

test('a reader follows a goal live, across a server restart, and sees every entry once', async (t) => {
  const server = await ownServer();
  t.after(() => server.dispose());
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  t.after(() => context.close());
  await context.addInitScript(recordStreams);

  await withServerLog(server, async () => {
    await server.start();
    const m = await liveMatch(server);
    const { page, errors } = await openPage(context, server, m.path);
    assert.equal(await page.getAttribute('article.match', 'data-live-match'), String(m.id));
    const renderedSince = Number(await page.getAttribute('article.match', 'data-live-since'));
    assert.equal(await page.evaluate(scoreShown), '1-0');

    // A goal and the entry about it, while the reader watches.
    const goal = await post(server, 'POST', `/api/v1/desk/matches/${m.id}/events`, {
      kind: 'goal', side: 'home', minute: 35, player: 'Lars Vermeiren',
    });
    assert.deepEqual(goal.match.score, { home: 2, away: 0 });
    const goalText = `GOAL! Lars Vermeiren schuift de 2-0 binnen (${RUN})`;
    const goalEntry = await post(server, 'POST', `/api/v1/desk/matches/${m.id}/entries`, {
      text: goalText, minute: 35, event_id: goal.event.id, key_event: true,
    });
    await waitForScore(page, '2-0');
    await waitForEntry(page, goalEntry.id, goalText);

    // The reconnect after the restart is held back until the server is up again and has a
    // new entry: that entry can then only reach the page by the resume (Last-Event-ID or
    // ?since=), not as a live message.
    let release;
    const gate = new Promise((r) => {
      release = r;
    });
    let heldResolve;
    const held = new Promise((r) => {
      heldResolve = r;
    });
    const streamRoute = async (route) => {
      heldResolve(route.request().url());
      await gate;
      await route.continue();
    };
    await page.route('**/live/match/**', streamRoute);

    const seenBefore = await streamMessages(page);
    const lastSeen = Math.max(...seenBefore.map((x) => Number(x.id) || 0));
    assert.ok(lastSeen > renderedSince, `the page got no numbered match messages before the restart: ${JSON.stringify(seenBefore)}`);

    const stopped = await server.stop();
    assert.equal(stopped.forced, false, 'the server did not stop within 10 s of SIGINT with a reader\'s stream open');
    const reconnect = await within(held, 20_000, 'the page did not try to reconnect within 20 s of the server stopping');
    assert.equal(await page.evaluate(scoreShown), '2-0', 'the page keeps its score while the server is down');

    await server.start();
    const resumedText = `Na de herstart: Genk blijft drukken (${RUN})`;
    const resumed = await post(server, 'POST', `/api/v1/desk/matches/${m.id}/entries`, { text: resumedText, minute: 38 });
    release();
    await waitForEntry(page, resumed.id, resumedText);
    await page.unroute('**/live/match/**', streamRoute);
    // The reconnect said where the page was (Chromium sends Last-Event-ID; Playwright does
    // not show that header): the server resumes after it instead of replaying from the page's
    // ?since=, so nothing the page already had comes again.
    const resumedWith = (await streamMessages(page)).filter((x) => x.conn > seenBefore.at(-1).conn);
    assert.ok(resumedWith.length > 0, 'no match messages arrived after the reconnect');
    const again = resumedWith.filter((x) => Number(x.id) <= lastSeen);
    assert.deepEqual(again, [], `after the reconnect the server sent messages the page had before (up to id ${lastSeen})`);

    // Live again after the resume: a status change and two more entries.
    await post(server, 'PUT', `/api/v1/desk/matches/${m.id}/status`, { status: 'second_half', minute: 46 }, 200);
    const moreTexts = [`Rust voorbij, Antwerp wisselt twee keer (${RUN})`, `Eerste kans van de tweede helft voor Genk (${RUN})`];
    const more = [];
    for (const [i, text] of moreTexts.entries()) {
      more.push(await post(server, 'POST', `/api/v1/desk/matches/${m.id}/entries`, { text, minute: 46 + i }));
    }
    for (const [i, e] of more.entries()) await waitForEntry(page, e.id, moreTexts[i]);
    await waitInPage(
      page,
      'the scoreboard says second half',
      () => document.querySelector('[data-scoreboard]')?.dataset.matchStatus === 'second_half',
      undefined,
      () => document.querySelector('[data-scoreboard]')?.outerHTML.slice(0, 300),
    );

    // Every entry exactly once, and the same ones the API has.
    const domIds = await page.$$eval('[data-entries] [data-entry]', (lis) => lis.map((li) => li.dataset.entry));
    const dupes = domIds.filter((id, i) => domIds.indexOf(id) !== i);
    assert.deepEqual(dupes, [], `entries shown more than once: ${dupes.join(', ')} (all: ${domIds.join(', ')})`);
    const api = await server.api('GET', `/api/v1/matches/${m.id}`);
    assert.equal(api.status, 200);
    const apiIds = api.data.entries.map((e) => String(e.id));
    assert.deepEqual([...domIds].sort(), [...apiIds].sort(), 'the page shows exactly the entries the API has');
    const blog = await page.textContent('[data-entries]');
    for (const text of [goalText, resumedText, ...moreTexts]) {
      const times = blog.split(text).length - 1;
      assert.equal(times, 1, `"${text}" is shown ${times} times in the liveblog`);
    }
    assert.equal(await page.evaluate(scoreShown), '2-0');

    // Not required, but worth knowing: does the live page list entries as a fresh rendering would?
    const fresh = (await get(`${server.base}${m.path}`)).text;
    const freshIds = [...fresh.matchAll(/data-entry="(\d+)"/g)].map((x) => x[1]);
    if (freshIds.join() !== domIds.join()) {
      t.diagnostic(`entry order differs from a fresh page: live ${domIds.join(',')} vs fresh ${freshIds.join(',')}`);
    }
    t.diagnostic(`held reconnect: ${reconnect}; match messages: ${JSON.stringify(await streamMessages(page))}`);

    await assertNotReloaded(page);
    assert.deepEqual(errors, []);
  });
});

test('VAR takes a goal back on the match page and on the home page chip', async (t) => {
  const server = await ownServer();
  t.after(() => server.dispose());
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  t.after(() => context.close());

  await withServerLog(server, async () => {
    await server.start();
    const m = await liveMatch(server);
    const match = await openPage(context, server, m.path);
    const home = await openPage(context, server, '/');
    // The chips come with the site stream's first snapshot, shortly after load.
    await waitForChips(home.page, 'Genk 1-0 Antwerp');
    assert.equal(await match.page.evaluate(scoreShown), '1-0');

    // Antwerp equalises, with an entry about it.
    const scorer = 'Vincent Janssen';
    const goal = await post(server, 'POST', `/api/v1/desk/matches/${m.id}/events`, {
      kind: 'goal', side: 'away', minute: 36, player: scorer,
    });
    assert.deepEqual(goal.match.score, { home: 1, away: 1 });
    const entryText = `GOAL? ${scorer} maakt gelijk, maar de VAR kijkt mee (${RUN})`;
    const entry = await post(server, 'POST', `/api/v1/desk/matches/${m.id}/entries`, {
      text: entryText, minute: 36, event_id: goal.event.id, key_event: true,
    });
    await waitForScore(match.page, '1-1');
    await waitForEntry(match.page, entry.id, entryText);
    await waitForChips(home.page, 'Genk 1-1 Antwerp');

    // The VAR takes it back.
    const var_ = await post(server, 'POST', `/api/v1/desk/matches/${m.id}/events`, {
      kind: 'var_decision', side: 'away', minute: 37, reverses: goal.event.id,
    });
    assert.deepEqual(var_.match.score, { home: 1, away: 0 });
    await waitForScore(match.page, '1-0');
    // The demo already has one cancelled Antwerp goal: look for this one, by its scorer.
    await waitInPage(
      match.page,
      `the timeline shows ${scorer}'s goal as cancelled`,
      (who) => [...document.querySelectorAll('[data-timeline] .cancelled')].some((li) => li.textContent.includes(who)),
      scorer,
      () => document.querySelector('[data-timeline]')?.textContent.replace(/\s+/g, ' ').slice(0, 400),
    );
    await waitInPage(
      match.page,
      `the entry about ${scorer}'s goal is marked reversed`,
      (id) => document.querySelector(`[data-entries] [data-entry="${id}"]`)?.classList.contains('reversed') ?? false,
      String(entry.id),
      (id) => document.querySelector(`[data-entries] [data-entry="${id}"]`)?.outerHTML.slice(0, 300) ?? '(gone)',
    );
    await waitForChips(home.page, 'Genk 1-0 Antwerp');

    // One entry about the goal, not a second copy next to the reversed one.
    const copies = await match.page.locator(`[data-entries] [data-entry="${entry.id}"]`).count();
    assert.equal(copies, 1, `entry ${entry.id} is shown ${copies} times`);

    for (const p of [match, home]) {
      await assertNotReloaded(p.page);
      assert.deepEqual(p.errors, []);
    }
  });
});
