// Browser end-to-end tests of the back office (/redactie): an editor writes an article with a
// photo, accepts the suggested topics and schedules it a minute ahead, and it appears on the
// home page and the topic page at that time and not before; a journalist loses the connection
// mid-edit and finds the last autosaved text.
//
// The schedule runs on the server's real clock (the server is a separate process): the test
// waits for the minute to pass, polling with a generous deadline, and checks that the article
// was absent before its time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { BASE, DATA_DIR, RUN, closeConnections, launchBrowser, request, staffAccount } from './lib/tribune.js';

let browser;

before(async () => {
  assert.ok(BASE, 'TRIBUNE_URL is not set: run through e2e/run.sh');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  closeConnections();
});

async function loggedIn(account) {
  const context = await browser.newContext({ baseURL: BASE, viewport: { width: 1280, height: 1000 } });
  await context.addCookies([account.browserCookie()]);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(`uncaught exception on ${page.url()}: ${e.message}`));
  return { context, page, errors };
}

/** Brussels wall-clock date and time (minutes) of a moment, as the form's fields want them. */
function brussels(ms) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Brussels',
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

async function textOf(urlPath) {
  const res = await request('GET', urlPath, { headers: { Accept: 'text/html' } });
  assert.equal(res.status, 200, `GET ${urlPath}`);
  return res.text;
}

test('an editor writes, pictures, tags and schedules an article that appears at its time and not before', async () => {
  const { account } = await staffAccount('editor', 'eindredacteur', '127.0.0.31');
  const { context, page, errors } = await loggedIn(account);
  const title = `Blauw-zwart haalt verdediger weg bij Anderlecht ${RUN}`;

  await page.goto('/redactie/artikels/nieuw');
  await page.fill('#titel', title);
  await page.fill('#inleiding', 'Club Brugge rondt een transfer af: de verdediger komt over van Anderlecht.');
  await page.fill('#tekst', 'De onderhandelingen duurden weken.\n\n## Wat hij brengt\n\nSnelheid en kopkracht.');

  // The live preview shows the intertitle as readers will see it.
  await page.locator('#voorbeeld h2', { hasText: 'Wat hij brengt' }).waitFor();

  // Suggested topics: Club Brugge and Anderlecht, accepted one click each.
  const suggestion = (name) => page.locator('#suggesties button.suggestion', { hasText: name });
  await suggestion('Club Brugge').first().waitFor();
  await suggestion('Anderlecht').first().waitFor();
  const clubId = await suggestion('Club Brugge').first().getAttribute('data-topic');
  await suggestion('Club Brugge').first().click();
  await suggestion('Anderlecht').first().click();
  assert.ok(await page.locator(`input[name=onderwerp][value="${clubId}"]`).isChecked(), 'Club Brugge is checked');

  // A related article, found by a word of its title (readers of the article see it linked).
  await page.fill('#verwant-zoek', 'Croky');
  await page.locator('#verwant-gevonden button').first().click();
  assert.equal(await page.locator('#verwant-lijst li').count(), 1, 'one related article picked');

  // A photo from the demo's media, uploaded with its credit.
  const media = path.join(DATA_DIR, 'media');
  const photo = (await readdir(media)).find((f) => /\.(png|jpg)$/.test(f));
  assert.ok(photo, `a demo photo in ${media}`);
  await page.fill('#foto_credit', 'Tribune e2e');
  await page.setInputFiles('#foto-bestand', path.join(media, photo));
  await page.click('#foto-opladen');
  await page.locator('#foto-status', { hasText: 'Opgeladen' }).waitFor();
  assert.ok(await page.inputValue('#foto_pad'), 'the upload filled in the photo');

  // Scheduled for the next whole minute at least a minute from now (the form has minutes).
  const due = Math.ceil((Date.now() + 60_000) / 60_000) * 60_000;
  const { date, time } = brussels(due);
  await page.fill('#datum', date);
  await page.fill('#tijd', time);
  await Promise.all([page.waitForURL(/\/redactie\/artikels\/\d+\?bewaard=1$/), page.click('#publiceren')]);
  await page.locator('.notice', { hasText: 'Ingepland' }).waitFor();
  const id = page.url().match(/artikels\/(\d+)/)[1];
  assert.equal(await page.textContent('#status'), 'Ingepland');

  const topicPath = '/onderwerp/club-brugge';
  // Not before its time: every look before `due` must miss it.
  let seenAt = null;
  const deadline = due + 90_000;
  while (Date.now() < deadline) {
    const before = Date.now();
    const [home, topic] = [await textOf('/'), await textOf(topicPath)];
    const onHome = home.includes(title);
    const onTopic = topic.includes(title);
    if (before + 1000 < due) {
      assert.ok(!onHome, `on the home page at ${new Date(before).toISOString()}, before ${new Date(due).toISOString()}`);
      assert.ok(!onTopic, 'on the topic page before its time');
    }
    if (onHome && onTopic) {
      seenAt = before;
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.ok(seenAt, `the article did not appear on the home and topic pages within 90 s after ${new Date(due).toISOString()}`);
  assert.ok(seenAt + 1000 >= due, 'it appeared at its time, not before');

  // The reader's page: the photo with its credit and variants, the intertitle.
  const reader = await browser.newContext({ baseURL: BASE });
  const readerPage = await reader.newPage();
  // Any slug answers 301 to the article's own address.
  await readerPage.goto(`/nieuws/${id}-x`);
  assert.match(readerPage.url(), new RegExp(`/nieuws/${id}-blauw-zwart-haalt`));
  assert.equal(await readerPage.textContent('h1'), title);
  await readerPage.locator('h2', { hasText: 'Wat hij brengt' }).waitFor();
  assert.ok((await readerPage.locator('section.related a[href^="/nieuws/"]').count()) >= 1, 'the related article is linked');
  assert.match(await readerPage.textContent('body'), /Foto: © Tribune e2e/);
  await reader.close();

  assert.deepEqual(errors, []);
  await context.close();
});

test('a journalist who loses the connection mid-edit finds the last autosaved text', async () => {
  const { account } = await staffAccount('journalist', 'journalist', '127.0.0.32');
  let { context, page, errors } = await loggedIn(account);
  await page.goto('/redactie/artikels/nieuw');
  await page.fill('#titel', `Antwerp zoekt een nieuwe trainer ${RUN}`);
  await Promise.all([page.waitForURL(/\/redactie\/artikels\/\d+\?bewaard=1$/), page.click('button[value=opslaan]')]);
  const editorUrl = page.url().replace(/\?.*$/, '');

  await page.fill('#tekst', 'The Great Old praat met twee kandidaten.');
  await page.locator('#autosave-state', { hasText: 'Automatisch bewaard' }).waitFor();
  // The connection dies: what is typed now cannot be saved.
  await context.setOffline(true);
  await page.fill('#tekst', 'The Great Old praat met twee kandidaten. Dit stuk gaat verloren.');
  await page.locator('#autosave-state', { hasText: 'geen verbinding' }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();

  ({ context, page, errors } = await loggedIn(account));
  await page.goto(editorUrl);
  await page.locator('.restored', { hasText: 'automatisch bewaarde tekst' }).waitFor();
  assert.equal(await page.inputValue('#tekst'), 'The Great Old praat met twee kandidaten.');
  assert.deepEqual(errors, []);
  await context.close();
});
