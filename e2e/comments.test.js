// Browser end-to-end tests: a reader's story with comments, replies and the poll, with
// JavaScript on (posting inline) and off (plain forms).
//
// Run through ./run.sh: it starts `tribune serve --demo --premoderate-first 0` (new accounts
// are trusted at once, so a first comment shows without a moderator) with a fresh data
// directory and sets TRIBUNE_URL and TRIBUNE_DATA_DIR (mail is written to DATA_DIR/outbox).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE,
  RUN,
  activationLink,
  closeConnections,
  describe as described,
  launchBrowser,
  localPart,
  registerAndConfirm,
  request,
  waitForMail,
} from './lib/tribune.js';

const ARTICLE_PATH = /^\/nieuws\/\d+-[a-z0-9-]+$/;
const PASSWORD = `blauw zwart tot ik sterf ${RUN}`;

let browser;
/** A second reader, registered through the API: votes beside the first one, and is the
 * no-JavaScript reader. 127.0.0.2 keeps its registration apart from the browser's. */
let other;

before(async () => {
  assert.ok(BASE, 'TRIBUNE_URL is not set: start a server and point TRIBUNE_URL at it (run.sh does both)');
  browser = await launchBrowser();
  const made = await registerAndConfirm({
    email: `tweede-${RUN}@e2e.tribune.invalid`,
    displayName: 'Tweede Lezer',
    password: PASSWORD,
    localAddress: '127.0.0.2',
  });
  assert.ok(made.account, `the second reader could not register: ${made.refused}`);
  other = made.account;
});

after(async () => {
  await browser?.close();
  closeConnections();
});

async function newPage(options = {}) {
  const context = await browser.newContext({ baseURL: BASE, viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(`uncaught exception on ${page.url()}: ${e.message}`));
  page.on('dialog', (d) => {
    errors.push(`unexpected ${d.type()} dialog on ${page.url()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  return { context, page, errors, close: () => context.close() };
}

async function visit(page, url) {
  const response = await page.goto(url, { waitUntil: 'load' });
  assert.ok(response, `no response for ${url}`);
  assert.equal(response.status(), 200, `${url} answered ${response.status()} instead of 200`);
  return response;
}

/** Article links of the home page's "Meest recent", in order. */
async function homeArticles(page) {
  await visit(page, '/');
  return page.$$eval('section.recent article.teaser h3 a', (links) => links.map((a) => a.getAttribute('href')));
}

/** The number in "Reacties <span data-count>". */
async function shownCount(page) {
  const text = (await page.locator('#reacties [data-count]').textContent())?.trim() ?? '';
  assert.match(text, /^\d+$/, `#reacties [data-count] reads "${text}", not a number`);
  return Number(text);
}

/** Waits until the page script asked /api/v1/me and set the page up for who is reading. */
async function scriptReady(page, loggedIn) {
  if (loggedIn) {
    await page.locator('#account form.logout').waitFor({ state: 'attached' });
  } else {
    await page.waitForLoadState('networkidle');
  }
}

/**
 * A step of a story: runs only when the steps before it passed, so one failure is reported
 * once and not again by every later step.
 */
function story(t) {
  let broken = null;
  return async (name, fn) =>
    t.test(name, async (st) => {
      if (broken) {
        st.skip(`skipped: "${broken}" failed`);
        return;
      }
      try {
        await fn();
      } catch (e) {
        broken = name;
        throw e;
      }
    });
}

test('a reader registers, confirms by mail, comments, replies and votes inline, and logs out', async (t) => {
  const { page, errors, close } = await newPage();
  const step = story(t);
  const email = `lezer-${RUN}@e2e.tribune.invalid`;
  const name = `Lezer ${RUN.slice(-6)}`;
  const commentText = `Sterke wedstrijd vandaag, proficiat aan de ploeg! (e2e ${RUN})`;
  const replyText = `Helemaal mee eens, het middenveld was sterk. (e2e ${RUN})`;
  let articlePath;
  let articleId;
  let countBefore;
  let myCommentId;
  let replyParentId;
  let replyId;
  let pollTotal;
  let pollId;
  let chosenOption;
  try {
    await step('registers on /registreren and is told to check the mailbox', async () => {
      await visit(page, '/registreren');
      await page.fill('form[action="/registreren"] input[name=email]', email);
      await page.fill('form[action="/registreren"] input[name=display_name]', name);
      await page.fill('form[action="/registreren"] input[name=password]', PASSWORD);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/registreren'),
        page.click('form[action="/registreren"] button[type=submit]'),
      ]);
      assert.equal(response.status(), 200, `POST /registreren answered ${response.status()}: ${await page.locator('main').innerText()}`);
      const h1 = (await page.locator('main h1').textContent())?.trim();
      assert.equal(h1, 'Controleer je mailbox', `after registering the page says "${h1}"`);
    });

    await step('follows the activation link from the mail and is logged in', async () => {
      const mail = await waitForMail(email, (m) => /bevestigen\?token=/.test(m.text));
      assert.match(mail.subject, /Bevestig je account/, `the activation mail's subject is "${mail.subject}"`);
      const link = activationLink(mail);
      const linkOrigin = new URL(link).origin;
      assert.equal(
        linkOrigin,
        new URL(BASE).origin,
        `the activation link points at ${linkOrigin}, not at the server (${new URL(BASE).origin}); ` +
          'mail links come from --public-url, which run.sh sets',
      );
      await visit(page, localPart(link));
      assert.equal(new URL(page.url()).pathname, '/account', `the activation link led to ${page.url()}, not /account`);
      const notice = (await page.locator('.form-notice').textContent())?.trim() ?? '';
      assert.match(notice, /Je account is bevestigd/, `the account page says "${notice}"`);
      await scriptReady(page, true);
      const me = (await page.locator('#account a.me').textContent())?.trim();
      assert.equal(me, name, `the header shows "${me}" instead of the reader's name`);
    });

    await step('opens the article with the poll from the home page', async () => {
      const hrefs = await homeArticles(page);
      assert.ok(hrefs.length > 0, 'the home page lists no articles');
      for (const href of hrefs) {
        await visit(page, '/');
        await Promise.all([
          page.waitForURL((u) => u.pathname === href),
          page.click(`section.recent article.teaser h3 a[href="${href}"]`),
        ]);
        if ((await page.locator('[data-poll]').count()) > 0) {
          articlePath = href;
          break;
        }
      }
      assert.ok(articlePath, `none of the ${hrefs.length} articles on the home page has a poll ([data-poll])`);
      assert.match(articlePath, ARTICLE_PATH);
      articleId = await page.locator('#reacties').getAttribute('data-article');
      assert.match(articleId ?? '', /^\d+$/, '#reacties has no data-article id');
      await scriptReady(page, true);
      assert.equal(await page.locator('#reageren .hint').count(), 0, 'the "log in to comment" hint is still there for a logged-in reader');
    });

    await step('posts a comment inline: it appears at the top and the count goes up by one, without a reload', async () => {
      countBefore = await shownCount(page);
      await page.evaluate(() => {
        window.__sameDocument = true;
      });
      await page.fill('#reageren textarea[name=tekst]', commentText);
      const [response] = await Promise.all([
        page.waitForResponse(
          (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/api/v1/articles/${articleId}/comments`,
        ),
        page.click('#reageren button[type=submit]'),
      ]);
      const body = await response.json().catch(() => null);
      assert.equal(response.status(), 201, `posting answered ${response.status()}: ${JSON.stringify(body)}`);
      assert.equal(
        body.status,
        'visible',
        `the comment is "${body.status}" (${body.message}); run.sh starts the server with --premoderate-first 0 so a new account's comment shows at once`,
      );
      myCommentId = body.comment.id;
      const mine = page.locator(`#reactie-${myCommentId}`);
      await mine.waitFor();
      assert.match((await mine.locator('.text').innerText()).trim(), /Sterke wedstrijd vandaag/, 'the inserted comment does not show its text');
      assert.equal((await mine.locator('.who').textContent())?.trim(), name, 'the inserted comment does not show the reader\'s name');
      const first = await page.locator('#reacties .threads > .thread').first().locator('[data-comment]').first().getAttribute('data-comment');
      assert.equal(first, String(myCommentId), 'the new comment is not the first thread (newest first)');
      await page.waitForFunction((n) => document.querySelector('#reacties [data-count]')?.textContent.trim() === String(n), countBefore + 1);
      assert.equal(await page.locator('#reageren textarea[name=tekst]').inputValue(), '', 'the textarea was not emptied after posting');
      assert.ok(await page.evaluate(() => window.__sameDocument === true), 'the page reloaded while posting a comment');
    });

    await step('replies through "Beantwoorden": an inline form, and the reply appears under the thread', async () => {
      // A comment that was on the page when it loaded (the script binds "Beantwoorden" then).
      const target = page.locator(`#reacties .threads > .thread > article.comment[data-comment]:not(#reactie-${myCommentId})`).first();
      replyParentId = await target.getAttribute('data-comment');
      assert.ok(replyParentId, 'the article has no other comment to reply to');
      const link = target.locator(':scope > footer.actions a.reply');
      assert.equal((await link.textContent())?.trim(), 'Beantwoorden');
      await link.click();
      const form = target.locator('form.inline-reply');
      await form.waitFor();
      assert.ok(await page.evaluate(() => window.__sameDocument === true), '"Beantwoorden" left the page instead of opening an inline form');
      await form.locator('textarea[name=tekst]').fill(replyText);
      const [response] = await Promise.all([
        page.waitForResponse(
          (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/api/v1/articles/${articleId}/comments`,
        ),
        form.locator('button[type=submit]').click(),
      ]);
      const body = await response.json().catch(() => null);
      assert.equal(response.status(), 201, `replying answered ${response.status()}: ${JSON.stringify(body)}`);
      assert.equal(body.status, 'visible', `the reply is "${body.status}" (${body.message})`);
      assert.equal(body.comment.reply_to, Number(replyParentId), 'the reply is not linked to the comment it answers');
      replyId = body.comment.id;
      const thread = page.locator('#reacties .thread', { has: page.locator(`#reactie-${replyParentId}`) });
      const reply = thread.locator(`.replies #reactie-${replyId}`);
      await reply.waitFor();
      assert.match(await reply.locator('.text').innerText(), /middenveld was sterk/, 'the reply shows without its text');
      await form.waitFor({ state: 'detached' });
      await page.waitForFunction((n) => document.querySelector('#reacties [data-count]')?.textContent.trim() === String(n), countBefore + 2);
      assert.ok(await page.evaluate(() => window.__sameDocument === true), 'the page reloaded while replying');
    });

    await step('votes in the poll: percentages appear and the total shows', async () => {
      const box = page.locator('[data-poll]');
      pollId = await box.getAttribute('data-poll');
      assert.equal(await box.locator('.percent').count(), 0, 'the poll shows results before the reader voted');
      const totalBefore = (await box.locator('.total').textContent())?.trim() ?? '';
      const options = box.locator('form.vote input[name=option]');
      const n = await options.count();
      assert.ok(n >= 2, `the poll offers ${n} options`);
      chosenOption = await options.nth(1).getAttribute('value');
      await options.nth(1).check();
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/api/v1/polls/${pollId}/votes`),
        box.locator('form.vote button[type=submit]').click(),
      ]);
      assert.equal(response.status(), 201, `voting answered ${response.status()}: ${await response.text()}`);
      await box.locator('ol.results').waitFor();
      await box.locator('form.vote').waitFor({ state: 'detached' });
      const rows = await box.locator('ol.results li').evaluateAll((lis) =>
        lis.map((li) => ({
          label: li.querySelector('.label')?.textContent ?? '',
          percent: li.querySelector('.percent')?.textContent ?? '',
          mine: li.classList.contains('mine'),
        })),
      );
      assert.equal(rows.length, n, `the results list ${rows.length} options, the form had ${n}`);
      for (const r of rows) assert.match(r.percent, /^\d{1,3}%$/, `option "${r.label}" shows "${r.percent}" as its share`);
      const sum = rows.reduce((s, r) => s + Number(r.percent.replace('%', '')), 0);
      assert.equal(sum, 100, `the percentages add up to ${sum}`);
      assert.equal(rows.filter((r) => r.mine).length, 1, 'the reader\'s own answer is not marked (li.mine)');
      assert.equal(rows.findIndex((r) => r.mine), 1, 'another answer than the chosen one is marked as the reader\'s');
      const totalAfter = (await box.locator('.total').textContent())?.trim() ?? '';
      const m = totalAfter.match(/^(\d+) stemmen$/);
      assert.ok(m, `the total reads "${totalAfter}" after voting (was "${totalBefore}")`);
      pollTotal = Number(m[1]);
      assert.ok(pollTotal >= 1, 'the total counts no votes after voting');
      assert.notEqual(totalAfter, totalBefore, 'the total line did not change after voting');
    });

    await step('another reader votes: after a reload the total is one higher and the comment and count are still there', async () => {
      const vote = await other.call('POST', `/api/v1/polls/${pollId}/votes`, { option_id: Number(chosenOption) });
      assert.equal(vote.status, 201, `the second reader's vote answered ${described(vote)}`);
      assert.equal(vote.data.results.total, pollTotal + 1, 'the second vote did not raise the total by one');

      await page.reload({ waitUntil: 'load' });
      await scriptReady(page, true);
      assert.equal(await shownCount(page), countBefore + 2, 'after a reload the count is not the old count plus the comment and the reply');
      const mine = page.locator(`#reactie-${myCommentId}`);
      assert.equal(await mine.count(), 1, 'after a reload the new comment is gone');
      assert.match(await mine.locator('.text').innerText(), /Sterke wedstrijd vandaag/);
      const box = page.locator('[data-poll]');
      await box.locator('ol.results').waitFor();
      await page.waitForFunction(
        (n) => document.querySelector('[data-poll] .total')?.textContent.trim() === `${n} stemmen`,
        pollTotal + 1,
      );
      assert.equal(await box.locator('li.mine').count(), 1, 'after a reload the reader\'s answer is not marked');

      // The reply lives in its thread; the thread's own page shows all of its replies.
      await visit(page, `/reacties/${replyParentId}`);
      const reply = page.locator(`.thread .replies #reactie-${replyId}`);
      assert.equal(await reply.count(), 1, `the reply is not on the thread page /reacties/${replyParentId}`);
      assert.match(await reply.locator('.text').innerText(), /middenveld was sterk/);
    });

    await step('logs out with the header button and sees "Inloggen" again', async () => {
      await visit(page, articlePath);
      await scriptReady(page, true);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/'),
        page.click('#account form.logout button[type=submit]'),
      ]);
      const login = page.locator('#account a[data-login]');
      await login.waitFor();
      assert.equal((await login.textContent())?.trim(), 'Inloggen');
      await page.waitForLoadState('networkidle');
      assert.equal(await page.locator('#account a.me').count(), 0, 'the header still shows the reader after logging out');
      const me = await page.evaluate(() => fetch('/api/v1/me').then((r) => r.json()));
      assert.equal(me.account, null, 'the session still works after logging out');
    });

    assert.deepEqual(errors, [], `the page had problems:\n  ${errors.join('\n  ')}`);
  } finally {
    await close();
  }
});

test('without JavaScript a reader logs in with the form, comments with the plain form and lands on the comment', async (t) => {
  const { page, errors, close } = await newPage({ javaScriptEnabled: false });
  const step = story(t);
  const text = `Zonder script ook mooi gezien van de trainer. (e2e ${RUN})`;
  let articlePath;
  let countBefore;
  try {
    await step('sending the comment form logged out leads to /inloggen, which leads back to the article', async () => {
      const hrefs = await homeArticles(page);
      articlePath = hrefs[1] ?? hrefs[0];
      await visit(page, articlePath);
      countBefore = await shownCount(page);
      await page.fill('#reageren textarea[name=tekst]', text);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/inloggen'),
        page.click('#reageren button[type=submit]'),
      ]);
      const terug = await page.locator('form[action="/inloggen"] input[name=terug]').inputValue();
      assert.ok(terug.startsWith('/nieuws/'), `the login form would return to "${terug}", not to the article`);

      await page.fill('form[action="/inloggen"] input[name=email]', other.email);
      await page.fill('form[action="/inloggen"] input[name=password]', other.password);
      await Promise.all([
        page.waitForURL((u) => u.pathname === articlePath),
        page.click('form[action="/inloggen"] button[type=submit]'),
      ]);
      assert.equal(new URL(page.url()).pathname, articlePath, `after logging in the reader is on ${page.url()}`);
    });

    await step('posts with the plain form and lands back on the article with the comment visible', async () => {
      await page.fill('#reageren textarea[name=tekst]', text);
      const [response] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.click('#reageren button[type=submit]'),
      ]);
      const url = new URL(page.url());
      assert.equal(
        url.pathname,
        articlePath,
        `after posting the reader is on ${url.pathname} (HTTP ${response?.status()}): ${(await page.locator('main').innerText()).slice(0, 300)}`,
      );
      const m = url.hash.match(/^#reactie-(\d+)$/);
      assert.ok(m, `after posting the address ends in "${url.hash}", not #reactie-<id>`);
      const comment = page.locator(`#reactie-${m[1]}`);
      assert.equal(await comment.count(), 1, `the page has no #reactie-${m[1]}`);
      assert.match(await comment.locator('.text').innerText(), /Zonder script ook mooi gezien/, 'the posted comment shows without its text');
      assert.equal((await comment.locator('.who').textContent())?.trim(), other.displayName);
      assert.equal(await shownCount(page), countBefore + 1, 'the count did not go up by one');
    });

    await step('/account shows the logged-in reader (no script needed)', async () => {
      await visit(page, '/account');
      assert.match(await page.locator('main').innerText(), new RegExp(other.displayName), '/account does not show the reader');
    });

    assert.deepEqual(errors, [], `the page had problems:\n  ${errors.join('\n  ')}`);
  } finally {
    await close();
  }
});

test('a reader comments under the live match: it shows at once, another reader is told, and it is on the live article too', async (t) => {
  const writer = await newPage();
  const watcher = await newPage();
  const step = story(t);
  const text = `Genk drukt door, dit wordt nog spannend! (e2e ${RUN})`;
  let reader;
  let matchPath;
  let articleId;
  let countBefore;
  let commentId;
  try {
    await step('the live match page has the live article comment section', async () => {
      const made = await registerAndConfirm({
        email: `derde-${RUN}@e2e.tribune.invalid`,
        displayName: 'Derde Lezer',
        password: PASSWORD,
        localAddress: '127.0.0.3',
      });
      assert.ok(made.account, `the third reader could not register: ${made.refused}`);
      reader = made.account;
      const res = await request('GET', '/api/v1/matches?live=true');
      assert.equal(res.status, 200, `GET /api/v1/matches?live=true: ${described(res)}`);
      const live = res.data.matches.find((m) => m.article_id);
      assert.ok(live, `no live match has a live article: ${JSON.stringify(res.data.matches.map((m) => [m.path, m.article_id]))}`);
      matchPath = live.path;
      articleId = String(live.article_id);
      await visit(watcher.page, matchPath);
      assert.equal(await watcher.page.locator('#reacties').getAttribute('data-article'), articleId, 'the match page shows another article\'s comments');
      countBefore = await shownCount(watcher.page);
    });

    await step('a logged-in reader posts under the match inline: it appears on top and the count goes up', async () => {
      const { page } = writer;
      await visit(page, '/inloggen');
      await page.fill('form[action="/inloggen"] input[name=email]', reader.email);
      await page.fill('form[action="/inloggen"] input[name=password]', reader.password);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/inloggen"] button[type=submit]')]);
      await visit(page, matchPath);
      await scriptReady(page, true);
      await page.fill('#reageren textarea[name=tekst]', text);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/api/v1/articles/${articleId}/comments`),
        page.click('#reageren button[type=submit]'),
      ]);
      const body = await response.json().catch(() => null);
      assert.equal(response.status(), 201, `posting answered ${response.status()}: ${JSON.stringify(body)}`);
      commentId = body.comment.id;
      const first = page.locator('#reacties .threads .thread').first().locator('article.comment').first();
      await first.waitFor();
      assert.equal(await first.getAttribute('id'), `reactie-${commentId}`, 'the new comment is not the first thread');
      assert.match(await first.locator('.text').innerText(), /Genk drukt door/);
      assert.equal(new URL(page.url()).pathname, matchPath, 'posting left the match page');
      assert.equal(await shownCount(page), countBefore + 1, 'the count on the writer\'s page did not go up by one');
    });

    await step('the other reader on the match page sees the count go up, through the match stream', async () => {
      const { page } = watcher;
      await page.waitForFunction(
        (want) => Number(document.querySelector('#reacties [data-count]')?.textContent) >= want,
        countBefore + 1,
        { timeout: 20_000 },
      );
      const note = (await page.locator('#reacties .new-comments').textContent())?.trim() ?? '';
      assert.match(note, /^1 nieuwe reactie/, `the watcher is told "${note}"`);
    });

    await step('a fresh load of the match page and of the live article both show the comment', async () => {
      for (const path of [matchPath, `/nieuws/${articleId}`]) {
        const res = await request('GET', path);
        const final = res.status === 301 ? await request('GET', res.headers.location) : res;
        assert.equal(final.status, 200, `GET ${path}: ${described(final)}`);
        assert.ok(final.text.includes(`id="reactie-${commentId}"`), `${path} does not show comment ${commentId}`);
      }
    });

    assert.deepEqual([...writer.errors, ...watcher.errors], [], 'the pages had problems');
  } finally {
    await writer.close();
    await watcher.close();
  }
});
