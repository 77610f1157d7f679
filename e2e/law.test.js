// Browser end-to-end tests: what the Digital Services Act asks of comment moderation. A
// reader's rejected comment shows its reasons and a contest form on /account/reacties; a
// moderator upholds one contest and overturns another from the desk, and the reader sees
// both outcomes; an anonymous visitor notifies a comment as illegal and gets a reference.
//
// Run through ./run.sh (it starts the demo server and sets TRIBUNE_URL, TRIBUNE_DATA_DIR and
// TRIBUNE_BIN): `bash e2e/run.sh law.test.js`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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

const PASSWORD = `wet op de digitale diensten ${RUN}`;

let browser;
let reader;
let moderator;
let article;
/** The reader's comments: the slur the rules reject, and a remark a moderator removes. */
const comments = {};

before(async () => {
  assert.ok(BASE, 'TRIBUNE_URL is not set: start a server and point TRIBUNE_URL at it (run.sh does both)');
  browser = await launchBrowser();
  const made = await registerAndConfirm({
    email: `bezwaar-${RUN}@e2e.tribune.invalid`,
    displayName: 'Bezwaarde Bart',
    password: PASSWORD,
    localAddress: '127.0.0.6',
  });
  assert.ok(made.account, `the reader could not register: ${made.refused}`);
  reader = made.account;
  moderator = (await staffAccount('moderator', 'wet-moderator', '127.0.0.6')).account;
  const list = await allArticles();
  // Away from the newest ones, which the comment story uses, and from the clubs playing
  // now: their articles are in match-evening mode, moderated more strictly.
  // (From 2 hours before kick-off to 5 hours after it, or live; see README.)
  const round = await request('GET', '/api/v1/matches');
  assert.equal(round.status, 200, described(round));
  const now = Date.now();
  const hour = 3_600_000;
  const playing = new Set(
    (round.data.matches ?? [])
      .filter((m) => m.live || m.high_risk || Math.abs(Date.parse(m.kickoff_at) - now) < 6 * hour)
      .flatMap((m) => [m.home?.topic_id, m.away?.topic_id])
      .filter((t) => t != null),
  );
  for (const candidate of list.slice(Math.min(12, list.length - 1))) {
    const full = await request('GET', `/api/v1/articles/${candidate.id}`);
    const topics = (full.data?.topics ?? []).map((t) => t.id);
    if (full.status === 200 && !topics.some((t) => playing.has(t))) {
      article = candidate;
      break;
    }
  }
  assert.ok(article, 'an article about clubs that are not playing');
});

after(async () => {
  await browser?.close();
  closeConnections();
});

async function newPage(account) {
  const context = await browser.newContext({ baseURL: BASE, viewport: { width: 1280, height: 900 } });
  if (account) await context.addCookies([account.browserCookie()]);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(`uncaught exception on ${page.url()}: ${e.message}`));
  page.on('dialog', (d) => {
    errors.push(`unexpected ${d.type()} dialog: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  return { page, errors, close: () => context.close() };
}

async function post(body) {
  const res = await reader.call('POST', `/api/v1/articles/${article.id}/comments`, { body });
  assert.equal(res.status, 201, `posting ${JSON.stringify(body)} answered ${described(res)}`);
  return res.data;
}

test('a rejected comment shows its reasons and a contest form, and the contest is taken once', async () => {
  const slur = await post(`Jij k a n k e r ref ${RUN}`);
  assert.equal(slur.status, 'rejected', 'the word list rejects the slur');
  comments.slur = slur.comment.id;
  const remark = await post(`Die scheidsrechter had een matige avond ${RUN}`);
  assert.equal(remark.status, 'visible', JSON.stringify(remark));
  comments.remark = remark.comment.id;
  const removed = await moderator.call('POST', `/api/v1/moderation/comments/${comments.remark}`, {
    action: 'remove',
    reason: 'Persoonlijke aanval',
  });
  assert.equal(removed.status, 200, described(removed));

  const { page, errors, close } = await newPage(reader);
  try {
    await page.goto('/account');
    await page.getByRole('link', { name: /Geweigerde of verwijderde reacties/ }).click();
    await page.waitForURL('**/account/reacties');
    const slurBox = page.locator(`#beslissing-${comments.slur}`);
    await assert.doesNotReject(slurBox.waitFor());
    assert.match(await slurBox.locator('.decision-grounds').innerText(), /verboden woord/);
    assert.match(await slurBox.locator('.decision-by').innerText(), /automatisch/);
    assert.match(await slurBox.locator('.decision-kind').innerText(), /geweigerd/);
    const remarkBox = page.locator(`#beslissing-${comments.remark}`);
    assert.match(await remarkBox.locator('.decision-by').innerText(), /moderator/);
    assert.match(await remarkBox.locator('.decision-kind').innerText(), /verwijderd/);
    assert.match(await remarkBox.innerText(), /Persoonlijke aanval/);

    // Contest the slur's rejection through the form.
    await slurBox.locator('textarea[name="uitleg"]').fill('Ik bedoelde de ziekte, **niet** de ref.');
    await slurBox.getByRole('button', { name: 'Bezwaar indienen' }).click();
    await page.waitForURL(/bezwaar-ingediend/);
    const after = page.locator(`#beslissing-${comments.slur}`);
    assert.match(await after.locator('.contest-status').innerText(), /moderator bekijkt/);
    assert.equal(await after.locator('.contest-text').innerText(), 'Ik bedoelde de ziekte, **niet** de ref.', 'plain text, no Markdown');
    assert.equal(await after.locator('form.contest-form').count(), 0, 'no second contest form');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
  // The second one goes through the API; a repeat is refused.
  const first = await reader.call('POST', `/api/v1/me/decisions/${comments.remark}/contest`, { explanation: 'Kritiek is geen aanval.' });
  assert.equal(first.status, 201, described(first));
  const again = await reader.call('POST', `/api/v1/me/decisions/${comments.remark}/contest`, { explanation: 'Nog eens.' });
  assert.equal(again.status, 409, described(again));
});

test('a moderator upholds one contest and overturns the other; the reader sees both outcomes', async () => {
  assert.ok(comments.slur && comments.remark, 'the first test did not run');
  const { page, errors, close } = await newPage(moderator);
  try {
    await page.goto('/moderatie');
    await page.getByRole('link', { name: /Bezwaren/ }).click();
    await page.waitForURL(/wachtrij=bezwaren/);
    const slurItem = page.locator(`article.contest-item[data-comment="${comments.slur}"]`);
    await slurItem.locator('input[name="notitie"]').fill('Dat woord blijft verboden.');
    await slurItem.getByRole('button', { name: 'Beslissing behouden' }).click();
    await page.waitForURL(/wachtrij=bezwaren/);
    assert.equal(await page.locator(`article.contest-item[data-comment="${comments.slur}"]`).count(), 0, 'decided contests leave the queue');
    const remarkItem = page.locator(`article.contest-item[data-comment="${comments.remark}"]`);
    await remarkItem.locator('input[name="notitie"]').fill('Te streng: het mag blijven.');
    await remarkItem.getByRole('button', { name: /Bezwaar aanvaarden/ }).click();
    await page.waitForURL(/wachtrij=bezwaren/);
    assert.equal(await page.locator(`article.contest-item[data-comment="${comments.remark}"]`).count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }

  const { page: own, errors: ownErrors, close: closeOwn } = await newPage(reader);
  try {
    await own.goto('/account/reacties');
    const slurBox = own.locator(`#beslissing-${comments.slur}`);
    assert.match(await slurBox.locator('.contest-status').innerText(), /bezwaar afgewezen/);
    assert.match(await slurBox.locator('.contest-note').innerText(), /Dat woord blijft verboden/);
    const remarkBox = own.locator(`#beslissing-${comments.remark}`);
    assert.match(await remarkBox.locator('.contest-status').innerText(), /bezwaar aanvaard/);
    assert.match(await remarkBox.locator('.contest-note').innerText(), /Te streng/);
    // The restored remark is on the article page again.
    await own.goto(article.url);
    await assert.doesNotReject(own.locator(`#reactie-${comments.remark} .text`).waitFor());
    assert.match(await own.locator(`#reactie-${comments.remark} .text`).innerText(), /had een matige avond/);
    assert.deepEqual(ownErrors, []);
  } finally {
    await closeOwn();
  }
});

test('an anonymous visitor notifies a comment as illegal and gets a reference', async () => {
  assert.ok(comments.remark, 'the first test did not run');
  const { page, errors, close } = await newPage(null);
  try {
    await page.goto(article.url);
    await page.locator(`#reactie-${comments.remark} a.report-illegal`).click();
    await page.waitForURL(new RegExp(`/melden\\?reactie=${comments.remark}$`));
    assert.match(await page.locator('.reported-text').innerText(), /had een matige avond/);
    // Without an explanation the form says what is missing and keeps what was chosen.
    await page.selectOption('select[name="categorie"]', 'privacy');
    await page.locator('textarea[name="uitleg"]').fill('   ');
    await page.locator('textarea[name="uitleg"]').evaluate((t) => t.removeAttribute('required'));
    await page.getByRole('button', { name: 'Melding versturen' }).click();
    assert.match(await page.locator('.form-error').innerText(), /uitleg/i);
    await page.locator('textarea[name="uitleg"]').fill('Hier staat het adres van de scheidsrechter <b>in</b>.');
    await page.locator('input[name="email"]').fill(`melder-${RUN}@e2e.tribune.invalid`);
    await page.getByRole('button', { name: 'Melding versturen' }).click();
    const reference = (await page.locator('.notice-reference').innerText()).trim();
    assert.match(reference, /^M-\d{4}-\d{6,}$/);
    assert.deepEqual(errors, []);

    // It waits in the moderators' queue under that reference, the text as typed.
    const { page: desk, close: closeDesk } = await newPage(moderator);
    try {
      await desk.goto('/moderatie?wachtrij=meldingen');
      const item = desk.locator('article.notice-item', { hasText: reference });
      assert.equal(await item.count(), 1, `notice ${reference} on the desk`);
      assert.equal((await item.locator('.notice-text').innerText()).trim(), 'Hier staat het adres van de scheidsrechter <b>in</b>.');
      await item.getByRole('button', { name: /geen actie/ }).click();
      await desk.waitForURL(/wachtrij=meldingen/);
      assert.equal(await desk.locator('article.notice-item', { hasText: reference }).count(), 0);
    } finally {
      await closeDesk();
    }
  } finally {
    await close();
  }
  // The transparency page counts it.
  const { page: report, close: closeReport } = await newPage(null);
  try {
    await report.goto('/');
    await report.getByRole('link', { name: 'Transparantie over moderatie' }).click();
    await report.waitForURL('**/transparantie');
    const month = report.locator('article.month').first();
    assert.ok(Number(await month.locator('.notices-received').innerText()) >= 1);
    assert.ok(Number(await month.locator('.contests-overturned').innerText()) >= 1);
  } finally {
    await closeReport();
  }
});
