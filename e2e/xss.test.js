// Browser end-to-end tests: the hostile-input corpus (xss-payloads.json, see
// xss-payloads.md) posted as comment bodies, display names and poll questions and options,
// then every page that shows them opened in Chromium: nothing may run (no dialog, no
// print(), no uncaught exception, no request to another site) and the page must stay whole.
//
// Run through ./run.sh (it starts the server and sets TRIBUNE_URL, TRIBUNE_DATA_DIR and
// TRIBUNE_BIN). At the end a summary of what was posted and checked goes to the test log
// (t.diagnostic), e.g. "payloads as comment bodies: 391 stored (...), 13 refused (...)".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import {
  BASE,
  RUN,
  allArticles,
  closeConnections,
  describe as described,
  launchBrowser,
  registerAndConfirm,
  request,
  staffAccount,
} from './lib/tribune.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PAYLOADS = JSON.parse(readFileSync(path.join(HERE, 'xss-payloads.json'), 'utf8'));
const PASSWORD = `e2e xss wachtwoord ${RUN}`;

/** Registrations are limited per client address (20 an hour): this many per loopback address. */
const REGISTRATIONS_PER_ADDRESS = 15;
/** Comments a reader account may post in a minute (Rules::burst). */
const READER_BURST = 5;
/** Tags the comment renderer keeps (tribune_core::comment::render); anything else is a leak. */
const COMMENT_TAGS = ['P', 'BR', 'STRONG', 'EM', 'A', 'BLOCKQUOTE'];
/** Browser tabs checking pages at the same time. */
const TABS = 3;

let browser;
let editor; // staff: posts without rate limits, creates polls, sees the moderation desk
let moderator; // staff too: a second poster for texts the editor already posted (duplicates)
const staffHow = [];
const articles = { bodies: [], names: [], polls: [], all: [] };
/** Accounts whose display name is a payload: { payload, account, commentId } */
const nameAccounts = [];
const nameRefused = []; // { index, payload, why }
/** Comment bodies: { index, outcome: 'stored'|'refused', status, id, articleId, why, poster } */
const bodies = [];
/** Polls: { id, articleId, question, options: [payload...] } */
const polls = [];
const pollRefused = []; // { options, why }
const summary = [];

before(async () => {
  assert.ok(BASE, 'TRIBUNE_URL is not set: start a server and point TRIBUNE_URL at it (run.sh does both)');
  assert.equal(PAYLOADS.length, 404, `xss-payloads.json holds ${PAYLOADS.length} payloads, the corpus has 404`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  closeConnections();
});

/** Runs `fn` over `items`, `limit` at a time; results in order. */
async function pool(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Whitespace as Rust's char::is_whitespace knows it (JavaScript's \s adds U+FEFF, lacks U+0085). */
const RUST_WHITESPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** What check_display_name would make of a name (whitespace runs become one space). */
function asDisplayName(s) {
  return s.split(RUST_WHITESPACE).filter(Boolean).join(' ');
}

/** A poll label as the page's text shows it: the HTML parser drops NUL characters. */
function asText(s) {
  return s.replace(/\0/g, '').replace(/\s+/g, ' ').trim();
}

test('setup: staff accounts and the articles to post on', async () => {
  const e = await staffAccount('editor', 'redactie', '127.0.0.3');
  editor = e.account;
  staffHow.push(`editor: ${e.how}`);
  assert.ok(['editor', 'admin'].includes(editor.role), `the editor account has role ${editor.role}`);
  const m = await staffAccount('moderator', 'moderatie', '127.0.0.3');
  moderator = m.account;
  staffHow.push(`moderator: ${m.how}`);

  const list = await allArticles();
  assert.ok(list.length >= 20, `the demo has only ${list.length} published articles`);
  // The newest articles are the comment story's (comments.test.js); leave them alone.
  articles.all = list.slice(5);
  articles.bodies = articles.all.slice(0, 4);
  articles.names = articles.all.slice(4, 6);
  articles.polls = articles.all; // any without a poll of its own
});

test('payloads as display names: registered, confirmed, and each account comments', async () => {
  assert.ok(editor, 'setup failed');
  const candidates = PAYLOADS.map((payload, index) => ({ payload, index })).filter(({ payload }) => {
    const n = [...asDisplayName(payload)].length;
    return n >= 2 && n <= 40;
  });
  const results = await pool(candidates, 4, async ({ payload, index }, k) => {
    const localAddress = `127.0.0.${10 + Math.floor(k / REGISTRATIONS_PER_ADDRESS)}`;
    const made = await registerAndConfirm({
      email: `naam-${index}-${RUN}@e2e.tribune.invalid`,
      displayName: payload,
      password: PASSWORD,
      localAddress,
    });
    return { payload, index, ...made };
  });
  const unexpected = [];
  for (const r of results) {
    if (r.refused) {
      assert.match(r.refused, /^HTTP 400: \S/, `name payload #${r.index} was refused without a reason: ${r.refused}`);
      // Only what check_display_name refuses here: control and invisible formatting characters.
      if (!/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/.test(asDisplayName(r.payload))) {
        unexpected.push(`name payload #${r.index} ${JSON.stringify(r.payload)} was refused although it looks like a valid name: ${r.refused}`);
      }
      nameRefused.push({ index: r.index, payload: r.payload, why: r.refused });
    } else {
      if (r.account.displayName !== asDisplayName(r.payload)) {
        unexpected.push(`name payload #${r.index} ${JSON.stringify(r.payload)} was stored as ${JSON.stringify(r.account.displayName)}`);
      }
      nameAccounts.push({ index: r.index, payload: r.payload, account: r.account, posted: 0, onArticle: new Set() });
    }
  }
  assert.ok(nameAccounts.length > 0, 'not one payload was accepted as a display name');

  // Each account comments once, in chains of four (top-level, reply, reply to the reply, ...)
  // so the names show as authors and, for deeper replies, as "@name" mentions.
  for (let k = 0; k < nameAccounts.length; k++) {
    const who = nameAccounts[k];
    const article = articles.names[Math.floor(k / 4) % articles.names.length];
    const replyTo = k % 4 === 0 ? undefined : nameAccounts[k - 1].commentId;
    const res = await who.account.call('POST', `/api/v1/articles/${article.id}/comments`, {
      body: `Naamtest ${k}: wat een match was dat.`,
      ...(replyTo ? { reply_to: replyTo } : {}),
    });
    assert.equal(res.status, 201, `the comment of name account #${who.index} answered ${described(res)}`);
    who.commentId = res.data.comment.id;
    who.rootId = k % 4 === 0 ? who.commentId : nameAccounts[k - 1].rootId;
    who.articleId = article.id;
    who.articleUrl = article.url;
    who.posted += 1;
    who.onArticle.add(article.id);
    if (res.data.status === 'pending') {
      // Without --premoderate-first 0 a first comment waits for a moderator.
      const ok = await editor.call('POST', `/api/v1/moderation/comments/${who.commentId}`, { action: 'approve', reason: 'e2e' });
      assert.equal(ok.status, 200, `approving the comment of name account #${who.index} answered ${described(ok)}`);
    } else {
      assert.equal(res.data.status, 'visible', `the comment of name account #${who.index} is ${res.data.status}: ${res.data.message}`);
    }
  }
  summary.push(
    `payloads as display names: ${candidates.length} of ${PAYLOADS.length} are 2-40 characters; ` +
      `${nameAccounts.length} registered, confirmed and commented; ${nameRefused.length} refused at registration` +
      (nameRefused.length ? ` (${[...new Set(nameRefused.map((r) => r.why))].join('; ')})` : ''),
  );
  assert.deepEqual(unexpected, [], `display names the server handled unlike check_display_name:\n  ${unexpected.join('\n  ')}`);
});

test('payloads as comment bodies: each one stored, or refused with a reason', async () => {
  assert.ok(editor, 'setup failed');
  const staff = [editor, moderator].filter((a, i, all) => all.findIndex((b) => b.id === a.id) === i);
  const readers = nameAccounts.filter((n) => n.account);
  // The last visible top-level payload comment per article, to reply to now and then.
  const lastRoot = new Map();
  for (let index = 0; index < PAYLOADS.length; index++) {
    const body = PAYLOADS[index];
    const article = articles.bodies[index % articles.bodies.length];
    const replyTo = index % 5 === 4 ? lastRoot.get(article.id) : undefined;
    const payload = { body, ...(replyTo ? { reply_to: replyTo } : {}) };
    const tried = [];
    let done = null;
    // Staff first (no rate limits); a text a poster already posted (same fingerprint) is a
    // duplicate for that poster only, so the next poster takes it.
    const candidates = [
      ...staff.map((account) => ({ account })),
      ...readers.filter((r) => r.posted < READER_BURST && !r.onArticle.has(article.id)),
    ];
    for (const c of candidates) {
      const account = c.account;
      const res = await account.call('POST', `/api/v1/articles/${article.id}/comments`, payload);
      tried.push(`${account.email}: ${res.status}`);
      if (c.posted !== undefined) {
        c.posted += 1;
        c.onArticle.add(article.id);
      }
      if (res.status === 201) {
        done = {
          index,
          outcome: 'stored',
          status: res.data.status,
          id: res.data.comment.id,
          articleId: article.id,
          replyTo,
          poster: account.email,
          html: res.data.html, // the comment as page HTML, for the script to insert
        };
        if (!replyTo && res.data.status === 'visible') lastRoot.set(article.id, res.data.comment.id);
        break;
      }
      if (res.status === 400) {
        done = { index, outcome: 'refused', why: described(res) };
        break;
      }
      if (res.status === 409 || res.status === 429) continue; // duplicate for this poster, or its limit
      assert.fail(`payload #${index} ${JSON.stringify(body.slice(0, 80))} answered ${described(res)}`);
    }
    assert.ok(done, `payload #${index} could not be posted by anyone: ${tried.join(', ')}`);
    if (done.outcome === 'refused') {
      assert.match(done.why, /^HTTP 400: \S/, `payload #${index} was refused without a reason`);
      // Only what check_body refuses: NUL characters, more than 5000 characters.
      assert.ok(
        body.includes('\0') || [...body].length > 5000,
        `payload #${index} ${JSON.stringify(body.slice(0, 80))} was refused although it is a valid comment: ${done.why}`,
      );
    }
    bodies.push(done);
  }
  const stored = bodies.filter((b) => b.outcome === 'stored');
  const byStatus = (s) => stored.filter((b) => b.status === s).length;
  const refused = bodies.filter((b) => b.outcome === 'refused');
  summary.push(
    `payloads as comment bodies: ${stored.length} stored (${byStatus('visible')} visible, ${byStatus('pending')} pending, ` +
      `${byStatus('rejected')} rejected by the word lists), ${refused.length} refused ` +
      `(${[...new Set(refused.map((r) => r.why))].join('; ')}); ` +
      `${stored.filter((b) => b.poster !== editor.email).length} posted by a second account because the first had posted the same text`,
  );
});

test('payloads as poll questions and options', async () => {
  assert.ok(editor, 'setup failed');
  const eligible = PAYLOADS.map((p) => p.trim()).filter((p) => p.length > 0 && [...p].length <= 100);
  const questions = PAYLOADS.map((p) => p.trim()).filter((p) => p.length > 0 && [...p].length <= 200);
  // Polls of at most 10 options, none twice (case-insensitively) in one poll.
  const groups = [];
  for (const option of eligible) {
    let g = groups.find((x) => x.length < 10 && !x.some((o) => o.toLowerCase() === option.toLowerCase()));
    if (!g) groups.push((g = []));
    g.push(option);
  }
  let a = 0;
  for (let gi = 0; gi < groups.length; gi++) {
    let options = groups[gi];
    if (options.length < 2) options = [...options, `Geen mening ${gi}`];
    const question = questions[gi % questions.length];
    let created = null;
    while (!created && a < articles.polls.length) {
      const article = articles.polls[a++];
      const res = await editor.call('POST', `/api/v1/articles/${article.id}/poll`, { question, options });
      if (res.status === 409) continue; // this article has a poll already
      if (res.status === 201) {
        created = { id: res.data.id, articleId: article.id, articleUrl: article.url, question, options };
        assert.deepEqual(
          res.data.options.map((o) => o.label),
          options,
          `poll ${res.data.id}: the options were stored differently from how they were sent`,
        );
        polls.push(created);
        break;
      }
      if (res.status === 400) {
        pollRefused.push({ options, why: described(res) });
        a--; // the article is still free
        break;
      }
      assert.fail(`creating poll ${gi} answered ${described(res)}`);
    }
    if (!created && !pollRefused.some((r) => r.options === options)) {
      assert.fail(`no article left for poll ${gi + 1} of ${groups.length} (${articles.polls.length} articles)`);
    }
  }
  // The editor votes in each, so the results (names as text via the script) show too.
  for (const p of polls) {
    const poll = await editor.call('GET', `/api/v1/polls/${p.id}`);
    assert.equal(poll.status, 200, `GET /api/v1/polls/${p.id} answered ${described(poll)}`);
    const vote = await editor.call('POST', `/api/v1/polls/${p.id}/votes`, { option_id: poll.data.options[0].id });
    assert.equal(vote.status, 201, `the editor's vote in poll ${p.id} answered ${described(vote)}`);
  }
  const inPolls = polls.reduce((n, p) => n + p.options.filter((o) => !/^Geen mening \d+$/.test(o)).length, 0);
  summary.push(
    `payloads as poll options: ${eligible.length} of ${PAYLOADS.length} are 1-100 characters; ${inPolls} stored in ${polls.length} polls ` +
      `(questions are payloads too); ${pollRefused.length} polls refused` +
      (pollRefused.length ? ` (${[...new Set(pollRefused.map((r) => r.why))].join('; ')})` : ''),
  );
});

/** Reported payload comments: { commentId, index, reporter } */
const reported = [];

test('payload comments reported to the moderators, with payloads as notes', async () => {
  assert.ok(editor && nameAccounts.length > 0, 'the payloads were not posted');
  // The desk lists 100 reported comments (riskiest first); the demo has one of its own.
  const targets = bodies.filter((b) => b.outcome === 'stored' && b.status === 'visible').slice(0, 99);
  for (let k = 0; k < targets.length; k++) {
    const b = targets[k];
    const reporter = nameAccounts[k % nameAccounts.length];
    const note = [...PAYLOADS[(b.index + 7) % PAYLOADS.length]].slice(0, 1000).join('').replace(/\0/g, '');
    const res = await reporter.account.call('POST', `/api/v1/comments/${b.id}/reports`, { reason: 'other', note });
    assert.equal(res.status, 201, `reporting payload comment #${b.index} answered ${described(res)}`);
    reported.push({ commentId: b.id, index: b.index, reporter: reporter.account.displayName });
  }
  summary.push(`payload comments reported (notes are payloads, reporters are name accounts): ${reported.length}`);
});

// ---------------------------------------------------------------------------------------
// Checking pages

/**
 * Runs in the page: everything that must hold on any page of ours, whatever readers typed.
 * Returns a list of problems, the comments on the page and what the poll shows.
 */
function inspectPage({ commentTags, isArticle }) {
  const problems = [];
  const describeEl = (el) => {
    const id = el.id ? `#${el.id}` : '';
    const cls = typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    const holder = el.closest('[data-comment]');
    return `<${el.tagName.toLowerCase()}${id}${cls}>${holder ? ` in comment ${holder.dataset.comment}` : ''}`;
  };
  for (const sel of ['header.site-header', 'main#inhoud', 'footer.site-footer']) {
    const n = document.querySelectorAll(sel).length;
    if (n !== 1) problems.push(`${sel} is there ${n} times, not once`);
  }
  if (isArticle && !document.querySelector('#reacties')) problems.push('#reacties is missing');
  // An article's structured data: one JSON-LD block in the head, data only (never run).
  const isOurData = (s) => {
    if (s.parentElement !== document.head || s.getAttribute('type') !== 'application/ld+json') return false;
    try {
      return JSON.parse(s.textContent)['@context'] === 'https://schema.org';
    } catch {
      return false;
    }
  };
  const data = document.querySelectorAll('script[type="application/ld+json"]');
  if (data.length > 1) problems.push(`${data.length} JSON-LD blocks, not at most one`);
  for (const s of document.querySelectorAll('script')) {
    if (isOurData(s)) continue;
    if (!(s.getAttribute('src') ?? '').startsWith('/assets/site.')) {
      problems.push(`a foreign <script> ${describeEl(s)}: ${s.outerHTML.slice(0, 120)}`);
    }
  }
  for (const el of document.body.querySelectorAll('iframe, frame, frameset, object, embed, applet, base, meta[http-equiv], portal, link, style')) {
    problems.push(`${describeEl(el)} in the body: ${el.outerHTML.slice(0, 120)}`);
  }
  for (const el of document.head.querySelectorAll('base, meta[http-equiv], script:not([src^="/assets/site."]):not([type="application/ld+json"])')) {
    problems.push(`${describeEl(el)} in the head: ${el.outerHTML.slice(0, 120)}`);
  }
  const all = document.querySelectorAll('*');
  for (const el of all) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) problems.push(`${describeEl(el)} has an event handler attribute ${attr.name}="${attr.value.slice(0, 60)}"`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc', 'poster', 'background'].includes(name)) {
        // Browsers ignore control characters and spaces in a scheme: "java\tscript:" runs.
        const scheme = attr.value.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
        if (/^(javascript|vbscript|data|livescript):/.test(scheme)) {
          problems.push(`${describeEl(el)} has ${attr.name}="${attr.value.slice(0, 80)}"`);
        }
      }
      if (name === 'style' && el.closest('[data-comment], [data-poll], .poll, .desk .text')) {
        problems.push(`${describeEl(el)} carries a style attribute from reader input: ${attr.value.slice(0, 80)}`);
      }
    }
    const position = getComputedStyle(el).position;
    if (position === 'fixed' || position === 'sticky') {
      const r = el.getBoundingClientRect();
      if (r.width * r.height > 0.25 * innerWidth * innerHeight) {
        problems.push(`${describeEl(el)} is position:${position} and covers ${Math.round(r.width)}×${Math.round(r.height)} px`);
      }
    }
  }
  // Nothing lies over the page: the middle of the window is our header, main or footer (or
  // the bare page below a short one).
  const centre = document.elementFromPoint(innerWidth / 2, innerHeight / 2);
  if (centre && !centre.closest('header.site-header, main#inhoud, footer.site-footer') && centre !== document.body && centre !== document.documentElement) {
    problems.push(`the middle of the window shows ${describeEl(centre)}, outside header, main and footer`);
  }
  // Reader text renders to a few tags only.
  for (const text of document.querySelectorAll('[data-comment] .text, .queue-item > .text')) {
    for (const el of text.querySelectorAll('*')) {
      if (el.matches('.mention')) continue;
      if (!commentTags.includes(el.tagName)) problems.push(`${describeEl(el)} inside a comment text (only ${commentTags.join(', ')} may be)`);
      // A link keeps an http(s) target or none at all (the cleaner drops any other).
      if (el.tagName === 'A' && el.hasAttribute('href') && !/^https?:\/\//i.test(el.getAttribute('href'))) {
        problems.push(`a link in a comment points at "${el.getAttribute('href').slice(0, 80)}"`);
      }
    }
  }
  const comments = [...document.querySelectorAll('[data-comment]')].map((c) => ({
    id: Number(c.dataset.comment),
    who: c.querySelector(':scope > header .who')?.textContent ?? null,
    mention: c.querySelector(':scope > .text > .mention')?.textContent ?? null,
    placeholder: c.classList.contains('gone'),
  }));
  const desk = [...document.querySelectorAll('.queue-item')].map((q) => ({
    id: Number((q.querySelector('form.moderate')?.getAttribute('action') ?? '').split('/').pop()),
  }));
  const poll = document.querySelector('[data-poll], section.poll');
  const pollView = poll
    ? {
        id: Number(poll.dataset.poll ?? 0),
        question: poll.querySelector('.question')?.textContent ?? null,
        labels: [...poll.querySelectorAll('form.vote label, ol.results .label')].map((l) => l.textContent),
      }
    : null;
  return {
    problems,
    comments,
    desk,
    poll: pollView,
    heading: document.querySelector('main h1')?.textContent ?? null,
    me: document.querySelector('#account a.me')?.textContent ?? null,
  };
}

/** Records everything that would show that something ran, for one tab. */
function watch(page, origin) {
  const seen = { dialogs: [], errors: [], foreign: [], csp: [] };
  page.on('dialog', (d) => {
    seen.dialogs.push(`${d.type()}(${JSON.stringify(d.message())}) on ${page.url()}`);
    d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => seen.errors.push(`uncaught ${e.name}: ${e.message} on ${page.url()}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin !== origin && u.protocol !== 'data:' && u.protocol !== 'about:') seen.foreign.push(`${r.method()} ${r.url()} from ${page.url()}`);
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) seen.csp.push(`${page.url()}: ${m.text().slice(0, 200)}`);
  });
  return seen;
}

/** Opens `urls` in a few tabs of one context; returns what each page showed. */
async function checkPages(label, urls, { cookie, expectPath = true } = {}) {
  const context = await browser.newContext({ baseURL: BASE, viewport: { width: 1280, height: 800 } });
  if (cookie) await context.addCookies([cookie]);
  // print() opens no dialog in headless Chromium; count calls instead. (This runs through
  // the DevTools protocol, not as a <script> element, and the CSP does not apply to it.)
  await context.addInitScript(() => {
    window.__printed = 0;
    window.print = () => {
      window.__printed += 1;
    };
  });
  const results = [];
  const tabs = await Promise.all(Array.from({ length: Math.min(TABS, urls.length) }, () => context.newPage()));
  const watched = tabs.map((p) => watch(p, new URL(BASE).origin));
  try {
    let next = 0;
    await Promise.all(
      tabs.map(async (page, t) => {
        page.setDefaultTimeout(20_000);
        while (next < urls.length) {
          const url = urls[next++];
          const response = await page.goto(url, { waitUntil: 'networkidle' });
          const status = response?.status();
          const info = await page.evaluate(inspectPage, { commentTags: COMMENT_TAGS, isArticle: /^\/nieuws\//.test(url) });
          const printed = await page.evaluate(() => window.__printed);
          if (status !== 200) info.problems.push(`answered HTTP ${status}`);
          if (printed) info.problems.push(`print() was called ${printed} times`);
          const landed = new URL(page.url());
          if (expectPath && landed.pathname + landed.search !== new URL(url, BASE).pathname + new URL(url, BASE).search) {
            info.problems.push(`the page navigated away to ${page.url()}`);
          }
          results.push({ url, label, tab: t, ...info });
        }
      }),
    );
  } finally {
    await context.close();
  }
  const seen = { dialogs: [], errors: [], foreign: [], csp: [] };
  for (const w of watched) for (const k of Object.keys(seen)) seen[k].push(...w[k]);
  return { results, seen };
}

/** Inserts comment fragments from the API into a live article page, then checks it. */
async function insertFragments(url, fragments) {
  const context = await browser.newContext({ baseURL: BASE, viewport: { width: 1280, height: 800 } });
  await context.addInitScript(() => {
    window.__printed = 0;
    window.print = () => {
      window.__printed += 1;
    };
  });
  const page = await context.newPage();
  const seen = watch(page, new URL(BASE).origin);
  try {
    await page.goto(url, { waitUntil: 'networkidle' });
    await page.evaluate((htmls) => {
      const threads = document.querySelector('#reacties .threads');
      for (const html of htmls) {
        const holder = document.createElement('div');
        holder.innerHTML = html;
        const node = holder.firstElementChild;
        if (!node) continue;
        const thread = document.createElement('div');
        thread.className = 'thread';
        thread.appendChild(node);
        threads.insertBefore(thread, threads.firstChild);
      }
    }, fragments);
    await page.waitForLoadState('networkidle');
    const info = await page.evaluate(inspectPage, { commentTags: COMMENT_TAGS, isArticle: true });
    const printed = await page.evaluate(() => window.__printed);
    if (printed) info.problems.push(`print() was called ${printed} times`);
    if (new URL(page.url()).pathname !== url) info.problems.push(`the page navigated away to ${page.url()}`);
    return { results: [{ url: `${url} (+${fragments.length} API fragments)`, label: 'fragments', ...info }], seen };
  } finally {
    await context.close();
  }
}

/** Follows "Meer reacties" from an article page: every page of its comments. */
async function commentPages(articleUrl) {
  const context = await browser.newContext({ baseURL: BASE, javaScriptEnabled: false });
  const page = await context.newPage();
  const urls = [];
  try {
    let url = articleUrl;
    while (url && urls.length < 50) {
      urls.push(url);
      await page.goto(url);
      const more = page.locator('#reacties nav.pager a.more');
      url = (await more.count()) ? new URL(await more.getAttribute('href'), BASE).pathname + new URL(await more.getAttribute('href'), BASE).search : null;
    }
  } finally {
    await context.close();
  }
  return urls;
}

test('every page that shows the payloads stays intact and runs nothing', async (t) => {
  assert.ok(editor && bodies.length > 0, 'the payloads were not posted');
  const editorCookie = editor.browserCookie();
  const byUrl = new Map();

  // Article pages with all their comment pages, for bodies, names and polls.
  const articleUrls = [];
  for (const a of [...articles.bodies, ...articles.names]) articleUrls.push(...(await commentPages(a.url)));
  for (const p of polls) if (!articleUrls.includes(p.articleUrl)) articleUrls.push(p.articleUrl);
  // Thread pages: every top-level comment that has payload or name replies.
  const roots = new Set();
  for (const b of bodies) if (b.replyTo) roots.add(b.replyTo);
  for (const n of nameAccounts) if (n.rootId && n.rootId !== n.commentId) roots.add(n.rootId);
  const threadUrls = [...roots].map((id) => `/reacties/${id}`);
  const pollUrls = polls.map((p) => `/peilingen/${p.id}`);
  const deskUrls = ['/moderatie?wachtrij=wachtend', '/moderatie?wachtrij=gemeld', '/moderatie?wachtrij=gemarkeerd', '/moderatie/logboek'];
  const accountUrls = nameAccounts.map((n) => `/moderatie/accounts/${n.account.id}`);

  const runs = [
    await checkPages('anonymous', [...articleUrls, ...threadUrls, ...pollUrls]),
    await checkPages('editor', [...articleUrls, ...threadUrls, ...pollUrls, ...deskUrls, ...accountUrls], { cookie: editorCookie }),
  ];
  // Each name account on its own account page (name in the page and, via the script, in the header).
  const own = [];
  for (const n of nameAccounts) {
    const run = await checkPages('own account', ['/account'], { cookie: n.account.browserCookie() });
    own.push({ n, run });
    runs.push(run);
  }

  // The HTML the API hands back after posting, inserted the way the page script does
  // (innerHTML into the comment list of an article page).
  const fragments = bodies.filter((b) => b.outcome === 'stored').map((b) => b.html);
  runs.push(await insertFragments(articles.bodies[0].url, fragments));

  const problems = [];
  const seen = { dialogs: [], errors: [], foreign: [], csp: [] };
  let pages = 0;
  for (const run of runs) {
    for (const k of Object.keys(seen)) seen[k].push(...run.seen[k]);
    for (const r of run.results) {
      pages += 1;
      byUrl.set(`${r.label} ${r.url}`, r);
      for (const p of r.problems) problems.push(`${r.label} ${r.url}: ${p}`);
    }
  }

  // What was rendered where.
  const onPages = new Map(); // comment id -> { who, mention } as shown to readers
  const onDesk = new Set();
  for (const r of byUrl.values()) {
    if (r.label === 'fragments') continue; // inserted by the test itself
    for (const c of r.comments) if (!c.placeholder && !onPages.has(c.id)) onPages.set(c.id, c);
    for (const d of r.desk) onDesk.add(d.id);
  }
  const stored = bodies.filter((b) => b.outcome === 'stored');
  const visible = stored.filter((b) => b.status === 'visible');
  const renderedBodies = visible.filter((b) => onPages.has(b.id));
  const hiddenOnDesk = stored.filter((b) => b.status !== 'visible' && onDesk.has(b.id));
  const reportedOnDesk = reported.filter((r) => onDesk.has(r.commentId));
  for (const r of reported) if (!onDesk.has(r.commentId)) problems.push(`reported payload comment #${r.index} (comment ${r.commentId}) is not on /moderatie?wachtrij=gemeld`);
  const missing = visible.filter((b) => !onPages.has(b.id));
  for (const b of missing) problems.push(`visible payload comment #${b.index} (comment ${b.id}) is on none of the pages checked`);

  let namesShown = 0;
  for (const n of nameAccounts) {
    const c = onPages.get(n.commentId);
    if (!c) {
      problems.push(`the comment of name payload #${n.index} (comment ${n.commentId}) is on none of the pages checked`);
      continue;
    }
    if (c.who !== n.account.displayName) {
      problems.push(`name payload #${n.index} shows as ${JSON.stringify(c.who)} instead of its text ${JSON.stringify(n.account.displayName)}`);
    } else {
      namesShown += 1;
    }
  }
  for (const { n, run } of own) {
    const account = run.results.find((r) => r.url === '/account');
    if (!account) continue;
    if (account.heading !== 'Mijn account') problems.push(`/account of name payload #${n.index} has heading ${JSON.stringify(account.heading)}`);
    if (account.me !== n.account.displayName) {
      problems.push(`the header shows name payload #${n.index} as ${JSON.stringify(account.me)} instead of ${JSON.stringify(n.account.displayName)}`);
    }
  }
  const mentions = [...onPages.values()].filter((c) => c.mention).length;

  let pollsShown = 0;
  for (const p of polls) {
    for (const r of [byUrl.get(`anonymous /peilingen/${p.id}`), byUrl.get(`editor /peilingen/${p.id}`)]) {
      if (!r?.poll) {
        problems.push(`poll ${p.id} is not on its page`);
        continue;
      }
      const labels = r.poll.labels.map(asText);
      const wanted = p.options.map(asText);
      if (JSON.stringify(labels) !== JSON.stringify(wanted)) {
        problems.push(`${r.label} /peilingen/${p.id} shows the options ${JSON.stringify(labels).slice(0, 300)} instead of ${JSON.stringify(wanted).slice(0, 300)}`);
      } else if (asText(r.poll.question ?? '') !== asText(p.question)) {
        problems.push(`${r.label} /peilingen/${p.id} shows the question ${JSON.stringify(r.poll.question)} instead of ${JSON.stringify(p.question)}`);
      } else {
        pollsShown += 1;
      }
    }
  }

  summary.push(
    `staff: ${staffHow.join('; ')}`,
    `pages checked: ${pages} (${articleUrls.length} article pages incl. "Meer reacties" pages, ${threadUrls.length} thread pages, ` +
      `${pollUrls.length} poll pages, each anonymous and as the editor; ${deskUrls.length} moderation pages and ${accountUrls.length} ` +
      `moderation account pages as the editor; /account as each of the ${nameAccounts.length} name accounts; ` +
      `1 article page with the ${fragments.length} comment fragments the API returned inserted as the page script does)`,
    `rendered: ${renderedBodies.length} of ${visible.length} visible payload comments on article or thread pages; ` +
      `${hiddenOnDesk.length} of ${stored.length - visible.length} pending/rejected ones and ${reportedOnDesk.length} of ${reported.length} reported ones ` +
      `on the moderation desk; ` +
      `${namesShown} of ${nameAccounts.length} names shown as plain text, ${mentions} "@name" mentions; ${pollsShown / 2} of ${polls.length} polls with every option as plain text`,
    `dialogs: ${seen.dialogs.length}, uncaught exceptions: ${seen.errors.length}, requests to other sites: ${seen.foreign.length}, ` +
      `CSP violation reports in the console: ${seen.csp.length}`,
  );
  for (const line of summary) t.diagnostic(line);
  console.log(`xss summary:\n  ${summary.join('\n  ')}`);
  if (seen.csp.length) t.diagnostic(`CSP reports (not failures, but something got as far as the browser): ${seen.csp.slice(0, 10).join(' | ')}`);

  assert.deepEqual(seen.dialogs, [], `payloads ran: dialogs opened:\n  ${seen.dialogs.join('\n  ')}`);
  assert.deepEqual(seen.errors, [], `uncaught exceptions:\n  ${seen.errors.join('\n  ')}`);
  assert.deepEqual(seen.foreign, [], `pages loaded resources from other sites:\n  ${seen.foreign.join('\n  ')}`);
  assert.deepEqual(problems, [], `${problems.length} problems on ${pages} pages:\n  ${problems.slice(0, 80).join('\n  ')}`);
});

// ---------------------------------------------------------------------------------------
// Notices of illegal content and contests (DSA): the payloads as the texts readers type
// there, shown on the desk and on the author's own page. Last, because it takes payload
// comments off the site (a contest needs a decision to contest).

test('payloads as notice and contest texts: stored or refused, shown as plain text, nothing runs', async (t) => {
  assert.ok(editor && bodies.length > 0, 'the payloads were not posted');
  const visible = bodies.filter((b) => b.outcome === 'stored' && b.status === 'visible');
  assert.ok(visible.length > 0, 'no visible payload comment to notify');
  // Notices: anonymous, 30 an hour per client address, so spread over loopback addresses.
  const notices = { stored: 0, refused: [] };
  for (let k = 0; k < PAYLOADS.length; k++) {
    const explanation = PAYLOADS[k];
    const target = visible[k % visible.length];
    const res = await request('POST', '/api/v1/notices', {
      json: { comment_id: target.id, category: 'other', explanation },
      localAddress: `127.0.0.${40 + Math.floor(k / 25)}`,
    });
    if (res.status === 201) {
      assert.match(res.data.reference, /^M-\d{4}-\d{6,}$/);
      notices.stored += 1;
    } else {
      assert.equal(res.status, 400, `notice payload #${k} answered ${described(res)}`);
      notices.refused.push({ k, why: described(res) });
      // Only what check_text refuses: empty, over 2000 characters, control characters.
      const trimmed = explanation.trim();
      assert.ok(
        !trimmed || [...trimmed].length > 2000 || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(trimmed),
        `notice payload #${k} ${JSON.stringify(explanation.slice(0, 80))} was refused: ${res.data?.detail}`,
      );
    }
  }
  // Contests: the moderator removes the staff's visible payload comments, the poster
  // contests each with a payload as explanation.
  const byEmail = new Map([[editor.email, editor], [moderator.email, moderator]]);
  const contests = { stored: 0, refused: 0 };
  const mine = visible.filter((b) => byEmail.has(b.poster)).slice(0, 100);
  for (let k = 0; k < mine.length; k++) {
    const b = mine[k];
    const removed = await moderator.call('POST', `/api/v1/moderation/comments/${b.id}`, { action: 'remove', reason: PAYLOADS[(k + 3) % PAYLOADS.length].slice(0, 400).replace(/[\u0000-\u001f]/g, '') });
    if (removed.status !== 200) continue;
    const res = await byEmail.get(b.poster).call('POST', `/api/v1/me/decisions/${b.id}/contest`, { explanation: PAYLOADS[(k * 7) % PAYLOADS.length] });
    if (res.status === 201) contests.stored += 1;
    else {
      assert.equal(res.status, 400, `contest ${k} answered ${described(res)}`);
      contests.refused += 1;
    }
  }
  assert.ok(notices.stored > 0 && contests.stored > 0, `notices ${notices.stored}, contests ${contests.stored}`);
  const run = await checkPages('editor', ['/moderatie?wachtrij=meldingen', '/moderatie?wachtrij=bezwaren', '/moderatie/logboek', '/account/reacties', '/transparantie'], {
    cookie: editor.browserCookie(),
  });
  const own = await checkPages('moderator', ['/account/reacties'], { cookie: moderator.browserCookie() });
  const problems = [];
  const seen = { dialogs: [], errors: [], foreign: [] };
  for (const r of [run, own]) {
    for (const k of Object.keys(seen)) seen[k].push(...r.seen[k]);
    for (const p of r.results) for (const x of p.problems) problems.push(`${p.label} ${p.url}: ${x}`);
  }
  t.diagnostic(
    `notices: ${notices.stored} stored, ${notices.refused.length} refused; contests: ${contests.stored} stored, ${contests.refused} refused; ` +
      `pages checked: ${run.results.length + own.results.length}`,
  );
  assert.deepEqual(seen.dialogs, [], `payloads ran: dialogs opened:\n  ${seen.dialogs.join('\n  ')}`);
  assert.deepEqual(seen.errors, [], `uncaught exceptions:\n  ${seen.errors.join('\n  ')}`);
  assert.deepEqual(seen.foreign, [], `pages loaded resources from other sites:\n  ${seen.foreign.join('\n  ')}`);
  assert.deepEqual(problems, [], `${problems.length} problems:\n  ${problems.slice(0, 40).join('\n  ')}`);
});
