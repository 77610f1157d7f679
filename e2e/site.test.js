// Browser end-to-end tests: a reader's path through the Tribune demo newsroom.
//
// Run through ./run.sh, which starts a demo server and sets TRIBUNE_URL. To run against a
// server you started yourself: TRIBUNE_URL=http://127.0.0.1:8080 node --test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE = (process.env.TRIBUNE_URL ?? '').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

const DESKTOP = { viewport: { width: 1280, height: 800 } };
const PHONE = {
  viewport: { width: 375, height: 740 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

const ARTICLE_PATH = /^\/nieuws\/\d+-[a-z0-9-]+$/;
const MISSING_ARTICLE = '/nieuws/999999-bestaat-niet';

let browser;

before(async () => {
  assert.ok(BASE, 'TRIBUNE_URL is not set: start a server and point TRIBUNE_URL at it (run.sh does both)');
  await mkdir(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

after(async () => {
  await browser?.close();
});

/** A fresh context + page; closed again by the returned `close`. */
async function openPage(options = DESKTOP) {
  const context = await browser.newContext({ baseURL: BASE, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { page, close: () => context.close() };
}

/** Goes to `url` and insists on a 200 answer. */
async function visit(page, url) {
  const response = await page.goto(url, { waitUntil: 'load' });
  assert.ok(response, `no response for ${url}`);
  assert.equal(response.status(), 200, `${url} answered ${response.status()} instead of 200`);
  return response;
}

/** Reads the home page's "Meest recent" list. */
async function readRecent(page) {
  return page.$$eval('section.recent article.teaser', (items) =>
    items.map((item) => {
      const link = item.querySelector('h3 a');
      const teaser = [...item.querySelectorAll(':scope > p')].find((p) => !p.classList.contains('meta'));
      return {
        headline: link?.textContent.trim() ?? '',
        href: link?.getAttribute('href') ?? '',
        teaser: teaser?.textContent.trim() ?? '',
        count: item.querySelector('.count')?.textContent.trim() ?? null,
      };
    }),
  );
}

/**
 * Follows headlines from the home page, one after the other, until it lands on an article
 * that has a photo. Leaves `page` on that article and returns its path.
 */
async function openArticleWithPhoto(page) {
  await visit(page, '/');
  const hrefs = (await readRecent(page)).map((t) => t.href);
  assert.ok(hrefs.length > 0, 'the home page lists no headlines to follow');
  for (let i = 0; i < hrefs.length; i++) {
    if (i > 0) await visit(page, '/');
    const link = page.locator(`section.recent article.teaser h3 a[href="${hrefs[i]}"]`).first();
    await Promise.all([page.waitForURL((u) => u.pathname === hrefs[i]), link.click()]);
    if ((await page.locator('article figure.photo img').count()) > 0) {
      return new URL(page.url()).pathname;
    }
  }
  assert.fail(`none of the ${hrefs.length} articles linked from the home page has a figure.photo img`);
}

/** Collects failed requests, HTTP errors and console errors of a page. */
function watchForProblems(page, { allowedStatus = new Set() } = {}) {
  const problems = [];
  const allowed = (url, status) => allowedStatus.has(`${status} ${new URL(url).pathname}`);
  page.on('requestfailed', (request) => {
    // The browser fetches the icon on its own and abandons that fetch when the test navigates
    // on; the favicon has its own test below.
    const isIcon = /^\/(favicon\.ico|assets\/icon\.[0-9a-f]+\.svg)$/.test(new URL(request.url()).pathname);
    if (isIcon && request.failure()?.errorText === 'net::ERR_ABORTED') return;
    // The page script asks /api/v1/... (who is reading, poll results) after load; a test
    // that navigates on at once abandons that fetch, as a reader clicking on would.
    const isScriptRead =
      request.resourceType() === 'fetch' &&
      request.method() === 'GET' &&
      new URL(request.url()).pathname.startsWith('/api/v1/');
    if (isScriptRead && request.failure()?.errorText === 'net::ERR_ABORTED') return;
    // The live stream stays open for as long as the page does: leaving the page ends it.
    const isLiveStream = request.resourceType() === 'eventsource' && new URL(request.url()).pathname.startsWith('/live/');
    if (isLiveStream && request.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`);
  });
  page.on('response', (response) => {
    const status = response.status();
    if (status >= 400 && !allowed(response.url(), status)) {
      problems.push(`HTTP ${status} for ${response.url()}`);
    }
  });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const where = message.location()?.url ?? '';
    // Chromium fetches /favicon.ico by itself, at a moment of its choosing, and reports a
    // missing one as a console error. That is not a resource the page loads, and its timing
    // would make this check flaky; the favicon has its own test below.
    if (where && new URL(where).pathname === '/favicon.ico') return;
    // Chromium reports every 4xx document as a console error; the deliberate one is fine.
    if (/Failed to load resource: .* status of (\d+)/.test(message.text()) && where) {
      const status = Number(message.text().match(/status of (\d+)/)[1]);
      if (allowed(where, status)) return;
    }
    problems.push(`console error on ${page.url()}: ${message.text()}${where ? ` (${where})` : ''}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception on ${page.url()}: ${error.message}`));
  return problems;
}

/** Today's date in Brussels as YYYY-MM-DD. */
function brusselsDate(date) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels' }).format(date);
}

test('a reader sees the 30 most recent headlines and the "Laatste nieuws" ticker on the home page', async () => {
  const { page, close } = await openPage();
  try {
    await visit(page, '/');

    const recentTitle = await page.locator('section.recent h2').first().textContent();
    assert.equal(recentTitle?.trim(), 'Meest recent', 'the home page section is not titled "Meest recent"');

    const teasers = await readRecent(page);
    assert.equal(teasers.length, 30, `"Meest recent" shows ${teasers.length} article.teaser items, expected 30`);
    teasers.forEach((t, i) => {
      const n = `teaser #${i + 1} (${t.href || 'no link'})`;
      assert.ok(t.headline.length > 0, `${n} has an empty headline (h3 a)`);
      assert.match(t.href, ARTICLE_PATH, `${n}: headline link is not an article URL /nieuws/{id}-{slug}`);
      assert.ok(t.teaser.length > 20, `${n} "${t.headline}" has no teaser text (got "${t.teaser}")`);
      assert.ok(t.count !== null, `${n} "${t.headline}" has no .count comment count`);
      assert.match(t.count, /^\d+$/, `${n} "${t.headline}": comment count "${t.count}" is not a number`);
    });
    const distinct = new Set(teasers.map((t) => t.href));
    assert.equal(distinct.size, 30, `"Meest recent" repeats articles: only ${distinct.size} distinct links of 30`);

    const tickerTitle = await page.locator('aside.ticker h2').first().textContent();
    assert.equal(tickerTitle?.trim(), 'Laatste nieuws', 'the ticker aside is not titled "Laatste nieuws"');

    const days = (await page.locator('aside.ticker h3.day').allTextContents()).map((d) => d.trim());
    assert.ok(days.length > 0, 'the ticker has no h3.day day headings');
    const items = await page.$$eval('aside.ticker li', (lis) =>
      lis.map((li) => ({
        first: li.firstElementChild?.tagName.toLowerCase() ?? '',
        time: li.querySelector('time')?.textContent.trim() ?? '',
        datetime: li.querySelector('time')?.getAttribute('datetime') ?? '',
        link: li.querySelector('a')?.textContent.trim() ?? '',
        href: li.querySelector('a')?.getAttribute('href') ?? '',
        count: li.querySelector('.count')?.textContent.trim() ?? null,
      })),
    );
    assert.ok(items.length > 0, 'the ticker lists no items');
    items.forEach((item, i) => {
      const n = `ticker item #${i + 1} ("${item.link}")`;
      assert.equal(item.first, 'time', `${n} does not start with a <time> element`);
      assert.match(item.time, /^([01]\d|2[0-3]):[0-5]\d$/, `${n}: time "${item.time}" is not HH:MM`);
      assert.ok(item.link.length > 0, `${n} has no link text`);
      assert.match(item.href, ARTICLE_PATH, `${n}: link ${item.href} is not an article URL`);
      assert.match(item.count ?? '', /^\d+$/, `${n}: .count "${item.count}" is not a number`);
    });

    // The demo's newest article is always a few minutes old, so it falls on today, except
    // in the first minutes after midnight in Brussels, when it is still yesterday's.
    const newest = new Date(items[0].datetime);
    const expectedFirstDay =
      brusselsDate(newest) === brusselsDate(new Date()) ? 'Vandaag' : 'Gisteren';
    assert.equal(
      days[0],
      expectedFirstDay,
      `the ticker's first day heading is "${days[0]}", expected "${expectedFirstDay}" (newest item ${items[0].datetime})`,
    );
    for (const day of days) {
      assert.match(
        day,
        /^(Vandaag|Gisteren|(maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag) \d{1,2}\/\d{1,2})$/,
        `ticker day heading "${day}" is not "Vandaag", "Gisteren" or "weekdag dd/mm"`,
      );
    }
  } finally {
    await close();
  }
});

test('a reader follows a headline to an article with photo, byline and intertitles', async () => {
  const { page, close } = await openPage();
  try {
    const articlePath = await openArticleWithPhoto(page);
    assert.match(articlePath, ARTICLE_PATH, `article URL ${articlePath} does not match /nieuws/{id}-{slug}`);

    const h1 = (await page.locator('article h1').first().textContent())?.trim() ?? '';
    assert.ok(h1.length > 10, `the article at ${articlePath} has no real h1 headline (got "${h1}")`);
    assert.equal(await page.locator('h1').count(), 1, `the article at ${articlePath} has more than one h1`);

    const byline = (await page.locator('p.byline').first().textContent())?.trim() ?? '';
    assert.match(byline, /^door \S+/, `byline "${byline}" does not start with "door " and a name`);
    const author = page.locator('p.byline a[href^="/auteur/"]').first();
    assert.equal(await author.count(), 1, `byline "${byline}" has no author link to /auteur/…`);
    const authorName = (await author.textContent())?.trim() ?? '';
    assert.ok(authorName.length > 2, 'the byline author link has no name');
    assert.ok(byline.startsWith(`door ${authorName}`), `byline "${byline}" does not read "door ${authorName}"`);

    const img = page.locator('figure.photo img').first();
    const photo = await img.evaluate((el) => ({
      complete: el.complete,
      naturalWidth: el.naturalWidth,
      naturalHeight: el.naturalHeight,
      alt: el.getAttribute('alt') ?? '',
      src: el.getAttribute('src') ?? '',
      shownWidth: el.getBoundingClientRect().width,
    }));
    assert.ok(photo.complete && photo.naturalWidth > 0, `the photo ${photo.src} did not load (naturalWidth 0)`);
    assert.ok(photo.shownWidth > 100, `the photo ${photo.src} is shown only ${photo.shownWidth}px wide`);
    assert.ok(photo.alt.trim().length > 0, `the photo ${photo.src} has no alt text`);

    const credit = (await page.locator('figure.photo figcaption .credit').first().textContent())?.trim() ?? '';
    assert.match(credit, /^Foto: © \S/, `photo credit "${credit}" does not read "Foto: © <name>"`);

    const lead = (await page.locator('p.lead').first().textContent())?.trim() ?? '';
    assert.ok(lead.length > 30, `the article has no lead paragraph (p.lead: "${lead}")`);

    const intertitles = (await page.locator('div.body h2').allTextContents()).map((t) => t.trim());
    assert.ok(intertitles.length >= 1, `the article body at ${articlePath} has no h2 intertitle`);
    assert.ok(intertitles.every((t) => t.length > 0), 'the article body has an empty h2 intertitle');
    const paragraphs = await page.locator('div.body p').count();
    assert.ok(paragraphs >= 2, `the article body has only ${paragraphs} paragraphs`);

    const related = await page.locator('section.related a[href^="/nieuws/"]').count();
    assert.ok(related >= 1, 'the article has no "related" links in section.related');
    const topics = await page.locator('nav.topics a').count();
    assert.ok(topics >= 1, 'the article has no topic links in nav.topics');

    await page.screenshot({ path: path.join(SHOTS, 'desktop-article.png'), fullPage: true });
  } finally {
    await close();
  }
});

test('a reader follows "Meer nieuws" to page 2 with other headlines and a "Vorige" link', async () => {
  const { page, close } = await openPage();
  try {
    await visit(page, '/');
    const first = await readRecent(page);
    assert.ok(first.length > 0, 'page 1 has no headlines');

    const more = page.locator('nav.pager a.more');
    assert.equal(await more.count(), 1, 'the home page has no nav.pager a.more link');
    assert.equal((await more.textContent())?.trim(), 'Meer nieuws', 'the pager link does not read "Meer nieuws"');
    await Promise.all([page.waitForURL((u) => u.searchParams.get('pagina') === '2'), more.click()]);
    const url = new URL(page.url());
    assert.equal(url.pathname + url.search, '/?pagina=2', `"Meer nieuws" led to ${url.pathname}${url.search}`);

    const second = await readRecent(page);
    assert.ok(second.length > 0, 'page 2 has no headlines');
    for (const t of second) {
      assert.ok(t.headline.length > 0 && t.teaser.length > 0, `a teaser on page 2 (${t.href}) is missing its headline or text`);
    }
    const onFirst = new Set(first.map((t) => t.href));
    const repeated = second.filter((t) => onFirst.has(t.href));
    assert.equal(
      repeated.length,
      0,
      `page 2 repeats ${repeated.length} headlines from page 1: ${repeated.map((t) => t.headline).join(' | ')}`,
    );

    const prev = page.locator('nav.pager a', { hasText: 'Vorige' });
    assert.equal(await prev.count(), 1, 'page 2 has no "Vorige" link in nav.pager');
    const prevHref = await prev.getAttribute('href');
    assert.ok(prevHref === '/' || prevHref === '/?pagina=1', `"Vorige" on page 2 points to ${prevHref}, not page 1`);
  } finally {
    await close();
  }
});

test('on a phone the home page and an article do not scroll sideways', async () => {
  const { page, close } = await openPage(PHONE);
  try {
    const overflow = () =>
      page.evaluate(() => {
        const doc = document.documentElement;
        const wide = [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
          .slice(0, 5)
          .map((el) => {
            const cls = typeof el.className === 'string' && el.className ? `.${el.className.split(' ').join('.')}` : '';
            return `${el.tagName.toLowerCase()}${cls} (right ${Math.round(el.getBoundingClientRect().right)}px)`;
          });
        return { scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, wide };
      });

    await visit(page, '/');
    const home = await overflow();
    assert.equal(home.innerWidth, 375, `the phone viewport is ${home.innerWidth}px wide, expected 375 (viewport meta?)`);
    assert.ok(
      home.scrollWidth <= home.innerWidth,
      `home page scrolls sideways on a phone: scrollWidth ${home.scrollWidth} > ${home.innerWidth}; too wide: ${home.wide.join(', ')}`,
    );
    await page.screenshot({ path: path.join(SHOTS, 'phone-home.png'), fullPage: true });

    const articlePath = await openArticleWithPhoto(page);
    const article = await overflow();
    assert.ok(
      article.scrollWidth <= article.innerWidth,
      `article ${articlePath} scrolls sideways on a phone: scrollWidth ${article.scrollWidth} > ${article.innerWidth}; too wide: ${article.wide.join(', ')}`,
    );
    const photoWidth = await page.locator('figure.photo img').first().evaluate((el) => el.getBoundingClientRect().width);
    assert.ok(photoWidth <= 375, `the article photo is ${photoWidth}px wide on a 375px phone`);
    await page.screenshot({ path: path.join(SHOTS, 'phone-article.png'), fullPage: true });
  } finally {
    await close();
  }
});

test('an unknown article is a real 404 and a wrong slug redirects to the canonical URL', async () => {
  const { page, close } = await openPage();
  try {
    const missing = await page.goto(MISSING_ARTICLE);
    assert.ok(missing, `no response for ${MISSING_ARTICLE}`);
    assert.equal(missing.status(), 404, `${MISSING_ARTICLE} answered ${missing.status()} instead of 404`);
    const h1 = (await page.locator('h1').first().textContent())?.trim();
    assert.equal(h1, 'Pagina niet gevonden', `the 404 page's h1 is "${h1}"`);
    const homeLink = await page.locator('main a[href="/"]').count();
    assert.ok(homeLink >= 1, 'the 404 page offers no link back to the home page');

    await visit(page, '/');
    const canonical = (await readRecent(page))[0].href;
    const id = canonical.match(/^\/nieuws\/(\d+)-/)[1];
    const wrong = `/nieuws/${id}-dit-is-niet-de-juiste-slug`;
    const response = await page.goto(wrong);
    assert.ok(response, `no response for ${wrong}`);
    assert.equal(response.status(), 200, `${wrong} ended with ${response.status()} instead of the article`);
    assert.equal(new URL(page.url()).pathname, canonical, `${wrong} did not end on the canonical URL ${canonical}`);
    const redirect = response.request().redirectedFrom();
    assert.ok(redirect, `${wrong} was not redirected (served the article under the wrong URL)`);
    const redirectStatus = (await redirect.response())?.status();
    assert.ok(
      redirectStatus === 301 || redirectStatus === 308,
      `${wrong} redirected with ${redirectStatus}, expected a permanent redirect (301/308)`,
    );
  } finally {
    await close();
  }
});

test('pages load no failing resources and log no console errors (CSP included)', async () => {
  for (const [name, options] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ]) {
    const { page, close } = await openPage(options);
    try {
      const problems = watchForProblems(page, { allowedStatus: new Set([`404 ${MISSING_ARTICLE}`]) });
      await visit(page, '/');
      await visit(page, '/?pagina=2');
      const articlePath = await openArticleWithPhoto(page); // photo included
      await page.goto(MISSING_ARTICLE);
      // Give late subresources (images, fonts) and CSP reports time to surface.
      await page.waitForLoadState('networkidle');
      assert.deepEqual(
        problems,
        [],
        `${name}: home, page 2, ${articlePath} or the 404 page had problems:\n  ${problems.join('\n  ')}`,
      );
    } finally {
      await close();
    }
  }
});

test(
  'the site serves a favicon (browsers ask for /favicon.ico on every visit)',
  async () => {
    const { page, close } = await openPage();
    try {
      await visit(page, '/');
      const icon = page.locator('link[rel~="icon"]').first();
      const declared = (await icon.count()) > 0 ? await icon.getAttribute('href') : null;
      const iconPath = declared ?? '/favicon.ico';
      const response = await page.request.get(iconPath);
      assert.equal(response.status(), 200, `${iconPath} answered ${response.status()}, so browsers log a 404 on every page`);
    } finally {
      await close();
    }
  },
);
