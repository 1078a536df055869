// Real-browser checks of the subscribe pages calfeed generates, in Debian's Chromium driven
// by playwright-core. Started by tests/browser/run.sh, which builds the seed publication,
// serves it on 127.0.0.1 and passes these environment variables:
//
//   BASE_URL        http://127.0.0.1:PORT/ : the served output folder
//   SEED_TOML       the seed publication's TOML (feeds/xiaomi-12s.toml): the expected title
//   ARTIFACTS_DIR   where the screenshots go (tests/artifacts)
//   RESULTS_FILE    this script writes {"passed": N, "failed": M} there for run.sh's summary
//   CHROMIUM        the browser binary (default /usr/bin/chromium)
//   BROWSER_VERBOSE=1 also lists the checks that pass
//
// Each check prints "FAIL <name>: <why>" when it fails. No browser is ever downloaded.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE_URL = process.env.BASE_URL;
const SEED_TOML = process.env.SEED_TOML;
const ARTIFACTS_DIR = process.env.ARTIFACTS_DIR;
const RESULTS_FILE = process.env.RESULTS_FILE;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const VERBOSE = !!process.env.BROWSER_VERBOSE;

for (const [name, value] of Object.entries({ BASE_URL, SEED_TOML, ARTIFACTS_DIR, RESULTS_FILE })) {
  if (!value) {
    console.error(`browser: ${name} is not set (run this through tests/browser/run.sh)`);
    process.exit(2);
  }
}

const SLUG = 'xiaomi-12s';
const EVENT_ID = 'xiaomi-12s-launch';
const CALENDAR_HTTPS = 'https://calfeed.example.org/xiaomi-12s.ics';
const CALENDAR_WEBCAL = 'webcal://calfeed.example.org/xiaomi-12s.ics';
const PAGE_URL = new URL(`${SLUG}/index.html`, BASE_URL).href;
const INDEX_URL = new URL('index.html', BASE_URL).href;
const ORIGIN = new URL(BASE_URL).origin;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// --- the tiny harness -------------------------------------------------------------------

let passed = 0;
let failed = 0;

class CheckError extends Error {}
function expect(condition, message) {
  if (!condition) throw new CheckError(message);
}
function show(value) {
  return JSON.stringify(value);
}

async function check(name, body) {
  try {
    await body();
    passed += 1;
    if (VERBOSE) console.log(`ok   ${name}`);
  } catch (error) {
    failed += 1;
    const why = error instanceof CheckError ? error.message : describe(error);
    console.log(`FAIL ${name}: ${why}`);
  }
}

/** An unexpected error: Playwright's own message is clear enough; anything else gets its stack. */
function describe(error) {
  if (error && error.name === 'TimeoutError') return error.message.split('\n').slice(0, 4).join(' | ');
  if (error && /^[a-zA-Z.]+: /.test(error.message || '') && error.name === 'Error') {
    return error.message.split('\n').slice(0, 4).join(' | ');
  }
  return (error && error.stack) || String(error);
}

function writeResults() {
  writeFileSync(RESULTS_FILE, JSON.stringify({ passed, failed }));
}

// --- the seed data ----------------------------------------------------------------------

/** The `[channel]` table's `title` from the seed TOML (a basic string, one line). */
function channelTitle(tomlPath) {
  const text = readFileSync(tomlPath, 'utf8');
  const start = text.search(/^\[channel\]\s*$/m);
  if (start < 0) throw new Error(`${tomlPath}: no [channel] table`);
  const rest = text.slice(start + '[channel]'.length);
  const end = rest.search(/^\[/m);
  const table = end < 0 ? rest : rest.slice(0, end);
  const match = table.match(/^title\s*=\s*("(?:[^"\\\n]|\\.)*")\s*(?:#.*)?$/m);
  if (!match) throw new Error(`${tomlPath}: no title = "..." in [channel]`);
  return JSON.parse(match[1]);
}

// --- the browser ------------------------------------------------------------------------

/** Every request any page made, with the context it came from. */
const requests = [];
const pageErrors = [];

function isLocal(url) {
  if (url.startsWith('data:') || url.startsWith('about:') || url.startsWith('blob:')) return true;
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname === '127.0.0.1';
  } catch {
    return false;
  }
}

async function newContext(browser, label, options = {}) {
  const context = await browser.newContext({ locale: 'en-US', ...options });
  context.setDefaultTimeout(20_000);
  context.on('request', (request) => requests.push({ label, url: request.url() }));
  // Record everything, but let nothing reach past this machine even if the page tried.
  await context.route('**/*', (route) =>
    isLocal(route.request().url()) ? route.continue() : route.abort('blockedbyclient'),
  );
  context.on('page', (page) => watchPage(page, label));
  return context;
}

function watchPage(page, label) {
  page.on('pageerror', (error) => pageErrors.push(`${label}: uncaught ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`${label}: console.error ${message.text()}`);
  });
}

async function open(browser, label, url, options = {}) {
  const context = await newContext(browser, label, options);
  const page = await context.newPage();
  const response = await page.goto(url, { waitUntil: 'load' });
  return { context, page, response };
}

/** GET through Playwright's own HTTP client (not the page), from the page's origin. */
async function get(context, url) {
  expect(url.startsWith(ORIGIN + '/'), `${url} is not on the page's origin ${ORIGIN}`);
  const response = await context.request.get(url, { failOnStatusCode: false, maxRedirects: 0 });
  return { status: response.status(), text: await response.text() };
}

/** iCalendar text with folded lines joined again (RFC 5545 3.1). */
function unfold(ics) {
  return ics.replace(/\r?\n[ \t]/g, '');
}

async function alternates(page) {
  return page.$$eval('link[rel~="alternate"]', (links) =>
    links.map((l) => ({ type: l.getAttribute('type'), href: l.href, raw: l.getAttribute('href') })),
  );
}

const FEEDS = [
  {
    type: 'application/rss+xml',
    file: `${SLUG}.xml`,
    verify(text) {
      expect(text.startsWith('<?xml'), `does not start with <?xml: ${show(text.slice(0, 40))}`);
      expect(text.includes('<rss'), 'has no <rss element');
    },
  },
  {
    type: 'application/atom+xml',
    file: `${SLUG}.atom`,
    verify(text) {
      expect(text.startsWith('<?xml'), `does not start with <?xml: ${show(text.slice(0, 40))}`);
      expect(text.includes('<feed'), 'has no <feed element');
    },
  },
  {
    type: 'application/feed+json',
    file: `${SLUG}.json`,
    verify(text) {
      let feed;
      try {
        feed = JSON.parse(text);
      } catch (error) {
        throw new CheckError(`is not JSON: ${error.message}`);
      }
      expect(
        feed.version === 'https://jsonfeed.org/version/1.1',
        `version is ${show(feed.version)}, not https://jsonfeed.org/version/1.1`,
      );
    },
  },
];

/** The three feed autodiscovery links: present, pointing at the right file, served, valid. */
async function checkAutodiscovery(where, context, page, expectedPrefix) {
  const links = await alternates(page);
  for (const feed of FEEDS) {
    await check(`${where}: <link rel=alternate type=${feed.type}> resolves to a ${feed.file} that parses`, async () => {
      const found = links.filter((l) => l.type === feed.type);
      expect(found.length === 1, `expected one such link, found ${found.length}: ${show(links)}`);
      const expectedUrl = new URL(expectedPrefix + feed.file, page.url()).href;
      expect(found[0].href === expectedUrl, `href ${show(found[0].raw)} resolves to ${found[0].href}, expected ${expectedUrl}`);
      const { status, text } = await get(context, found[0].href);
      expect(status === 200, `GET ${found[0].href} answered ${status}`);
      try {
        feed.verify(text);
      } catch (error) {
        if (error instanceof CheckError) throw new CheckError(`${found[0].href} ${error.message}`);
        throw error;
      }
    });
  }
}

/** The subscribe links shared by both pages. */
async function checkSubscribeLinks(where, page) {
  const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));

  await check(`${where}: webcal:// subscribe link points to ${CALENDAR_WEBCAL}`, async () => {
    const webcal = hrefs.filter((h) => h.startsWith('webcal:'));
    expect(webcal.length >= 1, `no webcal: link among ${show(hrefs)}`);
    expect(webcal.every((h) => h === CALENDAR_WEBCAL), `webcal links are ${show(webcal)}`);
  });

  await check(`${where}: Google Calendar subscribe link's cid is the webcal URL`, async () => {
    const google = hrefs.filter((h) => h.startsWith('https://calendar.google.com/') && new URL(h).searchParams.has('cid'));
    expect(google.length === 1, `expected one Google cid link, found ${show(google)}`);
    const cid = new URL(google[0]).searchParams.get('cid');
    expect(cid === CALENDAR_WEBCAL, `cid decodes to ${show(cid)}`);
  });

  await check(`${where}: Outlook.com addfromweb link's url is the https calendar URL`, async () => {
    const outlook = hrefs.filter((h) => h.startsWith('https://outlook.live.com/') && h.includes('/addfromweb'));
    expect(outlook.length === 1, `expected one addfromweb link, found ${show(outlook)}`);
    const url = new URL(outlook[0]).searchParams.get('url');
    expect(url === CALENDAR_HTTPS, `url decodes to ${show(url)}`);
  });
}

/** Every <a href> is http(s), webcal or relative; every relative one is served (200). */
async function checkAnchors(where, context, page) {
  const anchors = await page.$$eval('a[href]', (as) => as.map((a) => ({ raw: a.getAttribute('href'), href: a.href })));
  await check(`${where}: every <a href> is http(s), webcal or relative`, async () => {
    const bad = anchors.filter(({ raw }) => {
      const scheme = raw.trim().match(/^([a-zA-Z][a-zA-Z0-9+.-]*):/);
      return scheme && !['http', 'https', 'webcal'].includes(scheme[1].toLowerCase());
    });
    expect(anchors.length > 0, 'the page has no links');
    expect(bad.length === 0, `links with another scheme: ${show(bad.map((b) => b.raw))}`);
  });
  await check(`${where}: every relative link is served (HTTP 200)`, async () => {
    const relative = [
      ...new Set(
        anchors
          .filter(({ raw }) => !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(raw.trim()) && !raw.startsWith('#'))
          .map(({ href }) => href.split('#')[0]),
      ),
    ];
    expect(relative.length > 0, 'no relative links found');
    const broken = [];
    for (const url of relative) {
      const { status } = await get(context, url);
      if (status !== 200) broken.push(`${url} (${status})`);
    }
    expect(broken.length === 0, `not served: ${broken.join(', ')}`);
  });
}

// --- the checks -------------------------------------------------------------------------

async function publicationPage(browser, title) {
  const where = `${SLUG}/index.html`;
  const { context, page, response } = await open(browser, 'desktop', PAGE_URL, {
    viewport: { width: 1280, height: 800 },
  });

  await check(`${where}: served with status 200`, async () => {
    expect(response && response.status() === 200, `status ${response && response.status()}`);
  });

  await check(`${where}: <html lang> is set`, async () => {
    const lang = await page.getAttribute('html', 'lang');
    expect(lang && lang.trim().length > 0, `lang is ${show(lang)}`);
    expect(lang === 'en', `lang is ${show(lang)}, the seed says "en"`);
  });

  await check(`${where}: header, main and footer landmarks exist once each`, async () => {
    for (const tag of ['header', 'main', 'footer']) {
      const count = await page.locator(`body > ${tag}`).count();
      expect(count === 1, `<${tag}> as a child of <body>: found ${count}`);
    }
  });

  await check(`${where}: <h1> is the channel title from the TOML`, async () => {
    const h1 = await page.locator('h1').allTextContents();
    expect(h1.length === 1, `expected one <h1>, found ${show(h1)}`);
    expect(h1[0].trim() === title, `<h1> is ${show(h1[0])}, expected ${show(title)}`);
  });

  await check(`${where}: <title> is the channel title`, async () => {
    const t = await page.title();
    expect(t === title, `<title> is ${show(t)}`);
  });

  await checkAutodiscovery(where, context, page, '../');

  await check(`${where}: <link rel=alternate type=text/calendar> resolves to the calendar`, async () => {
    const cal = (await alternates(page)).filter((l) => l.type === 'text/calendar');
    expect(cal.length === 1, `found ${cal.length}`);
    const { status, text } = await get(context, cal[0].href);
    expect(status === 200, `GET ${cal[0].href} answered ${status}`);
    expect(text.startsWith('BEGIN:VCALENDAR'), `${cal[0].href} does not start with BEGIN:VCALENDAR`);
  });

  await checkSubscribeLinks(where, page);

  const event = page.locator(`article#${EVENT_ID}`);

  await check(`${where}: event #${EVENT_ID}: its download link serves the one-event .ics`, async () => {
    expect((await event.count()) === 1, `no <article id=${EVENT_ID}>`);
    const links = event.locator('a[download]');
    expect((await links.count()) === 1, `expected one <a download> in the event, found ${await links.count()}`);
    const href = await links.evaluate((a) => a.href);
    expect(href === new URL(`${EVENT_ID}.ics`, PAGE_URL).href, `download link resolves to ${href}`);
    const { status, text } = await get(context, href);
    expect(status === 200, `GET ${href} answered ${status}`);
    const ics = unfold(text);
    for (const line of [`UID:${EVENT_ID}@calfeed.example.org`, 'DTSTART;TZID=Asia/Shanghai:20220704T190000']) {
      expect(ics.split(/\r?\n/).includes(line), `${href} has no line ${show(line)}`);
    }
  });

  await check(`${where}: event #${EVENT_ID}: clicking the download link downloads ${EVENT_ID}.ics`, async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), event.locator('a[download]').click()]);
    const name = download.suggestedFilename();
    expect(name === `${EVENT_ID}.ics`, `suggested file name is ${show(name)}`);
    const path = await download.path();
    const text = unfold(readFileSync(path, 'utf8'));
    expect(text.includes(`UID:${EVENT_ID}@calfeed.example.org`), 'the downloaded file has no UID line');
  });

  await check(`${where}: event #${EVENT_ID}: Google Calendar template link has UTC dates and ctz`, async () => {
    const hrefs = await event.locator('a[href^="https://calendar.google.com/"]').evaluateAll((as) => as.map((a) => a.href));
    const template = hrefs.filter((h) => new URL(h).searchParams.get('action') === 'TEMPLATE');
    expect(template.length === 1, `expected one action=TEMPLATE link, found ${show(hrefs)}`);
    const params = new URL(template[0]).searchParams;
    expect(params.get('dates') === '20220704T110000Z/20220704T130000Z', `dates decodes to ${show(params.get('dates'))}`);
    expect(params.get('ctz') === 'Asia/Shanghai', `ctz decodes to ${show(params.get('ctz'))}`);
    expect(params.get('text') === 'Xiaomi 12S series launch (livestream)', `text decodes to ${show(params.get('text'))}`);
  });

  await check(`${where}: event #${EVENT_ID}: Outlook.com compose link has UTC start and end`, async () => {
    const hrefs = await event.locator('a[href^="https://outlook.live.com/"]').evaluateAll((as) => as.map((a) => a.href));
    const compose = hrefs.filter((h) => new URL(h).pathname.endsWith('/deeplink/compose'));
    expect(compose.length === 1, `expected one compose link, found ${show(hrefs)}`);
    const params = new URL(compose[0]).searchParams;
    expect(params.get('startdt') === '2022-07-04T11:00:00Z', `startdt decodes to ${show(params.get('startdt'))}`);
    expect(params.get('enddt') === '2022-07-04T13:00:00Z', `enddt decodes to ${show(params.get('enddt'))}`);
  });

  await checkAnchors(where, context, page);

  await check(`${where}: desktop screenshot (1280 wide, full page)`, async () => {
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'page-desktop.png'), fullPage: true });
  });

  await context.close();
}

async function localTime(browser) {
  const where = `${SLUG}/index.html`;
  for (const { timezoneId, locale, hours } of [
    { timezoneId: 'America/New_York', locale: 'en-US', hours: ['7:00', '07:00'] },
    { timezoneId: 'Europe/Berlin', locale: 'en-GB', hours: ['13:00', '1:00'] },
  ]) {
    await check(`${where}: in ${timezoneId} the script adds the reader's local time (${hours[0]})`, async () => {
      const { context, page } = await open(browser, `tz ${timezoneId}`, PAGE_URL, { timezoneId, locale });
      try {
        const local = page.locator(`article#${EVENT_ID} .local-time`);
        await local.first().waitFor({ state: 'visible', timeout: 10_000 });
        expect((await local.count()) === 1, `expected one .local-time in the event, found ${await local.count()}`);
        const text = (await local.textContent()).trim();
        expect(hours.some((h) => text.includes(h)), `.local-time says ${show(text)}, expected ${hours.join(' or ')}`);
        expect(/\b4\b/.test(text) && text.includes('July'), `.local-time says ${show(text)}, expected 4 July`);
      } finally {
        await context.close();
      }
    });
  }

  await check(`${where}: without JavaScript the page shows 19:00 and 11:00 UTC and no .local-time`, async () => {
    const { context, page } = await open(browser, 'no-js', PAGE_URL, { javaScriptEnabled: false });
    try {
      const when = (await page.locator(`article#${EVENT_ID} .when`).textContent()).trim();
      expect(when.includes('19:00'), `.when says ${show(when)}, without 19:00`);
      expect(/\b11:00(?:\s*[–-]\s*\d{1,2}:\d{2})?\s+UTC\b/.test(when), `.when says ${show(when)}, without "11:00 UTC" or "11:00–HH:MM UTC"`);
      const count = await page.locator('.local-time').count();
      expect(count === 0, `found ${count} .local-time elements`);
    } finally {
      await context.close();
    }
  });
}

async function phone(browser) {
  const where = `${SLUG}/index.html`;
  const { context, page } = await open(browser, 'phone', PAGE_URL, {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  try {
    await check(`${where}: no horizontal scroll on a 390x844 phone`, async () => {
      const m = await page.evaluate(() => {
        const width = 390;
        const wide = [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > width + 0.5)
          .slice(0, 5)
          .map((e) => `<${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className ? '.' + String(e.className).replace(/\s+/g, '.') : ''}> right=${Math.round(e.getBoundingClientRect().right)}`);
        return { scrollWidth: document.documentElement.scrollWidth, innerWidth: width, wide };
      });
      const measured = `scrollWidth ${m.scrollWidth}, innerWidth ${m.innerWidth}`;
      const culprits = m.wide.length ? `; wider than 390px: ${m.wide.join(', ')}` : '';
      expect(m.innerWidth === 390 && m.scrollWidth <= m.innerWidth, `the page does not fit 390px (${measured})${culprits}`);
    });
    await check(`${where}: phone screenshot (390 wide, full page)`, async () => {
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'page-phone.png'), fullPage: true, scale: 'css' });
    });
  } finally {
    await context.close();
  }
  const dark = await open(browser, 'phone dark', PAGE_URL, {
    viewport: { width: 390, height: 844 },
    isMobile: true,
    colorScheme: 'dark',
  });
  try {
    await check(`${where}: phone screenshot in dark mode (page-phone-dark.png)`, async () => {
      await dark.page.screenshot({ path: join(ARTIFACTS_DIR, 'page-phone-dark.png'), fullPage: true });
    });
  } finally {
    await dark.context.close();
  }
}

async function indexPage(browser, title) {
  const where = 'index.html';
  const { context, page, response } = await open(browser, 'index', INDEX_URL, {
    viewport: { width: 1280, height: 800 },
  });
  try {
    await check(`${where}: served with status 200, <html lang> set, header/main/footer present`, async () => {
      expect(response && response.status() === 200, `status ${response && response.status()}`);
      const lang = await page.getAttribute('html', 'lang');
      expect(lang && lang.trim().length > 0, `lang is ${show(lang)}`);
      for (const tag of ['header', 'main', 'footer']) {
        const count = await page.locator(`body > ${tag}`).count();
        expect(count === 1, `<${tag}> as a child of <body>: found ${count}`);
      }
    });

    await checkAutodiscovery(where, context, page, '');
    await checkSubscribeLinks(where, page);
    await checkAnchors(where, context, page);

    await check(`${where}: links to ${SLUG}/, and following the link opens the publication page`, async () => {
      const link = page.locator(`a[href="${SLUG}/"]`);
      expect((await link.count()) >= 1, `no <a href="${SLUG}/">`);
      await Promise.all([page.waitForURL(new URL(`${SLUG}/`, BASE_URL).href), link.first().click()]);
      const h1 = (await page.locator('h1').textContent()).trim();
      expect(h1 === title, `after the click the <h1> is ${show(h1)}`);
    });
  } finally {
    await context.close();
  }
}

/**
 * The archive of the generated publication in archive-site/ (run.sh), walked as a reader
 * would: from the publication's page to the archive's contents, then from the first page to
 * the last by the "Next" links and back by "Previous". Every page answers 200, every link on
 * it is served, and the pages together list each event's and article's page exactly once.
 */
async function archiveWalk(browser) {
  const items = Number(process.env.ARCHIVE_ITEMS || 0);
  const start = new URL('archive-site/history/index.html', BASE_URL).href;
  const { context, page } = await open(browser, 'archive', start);
  try {
    let listed = [];
    await check('archive: the publication page links its archive, whose contents list its pages', async () => {
      expect(items > 0, 'ARCHIVE_ITEMS is not set (run this through tests/browser/run.sh)');
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('a[href="archive/"]')]);
      expect(page.url().endsWith('/history/archive/'), `the archive link led to ${page.url()}`);
      listed = await page.$$eval('main a[href$=".html"]', (as) => as.map((a) => a.href));
      expect(listed.length >= 4, `the contents list ${listed.length} pages: ${show(listed)}`);
      expect(listed.some((u) => /-2\.html$/.test(u)), `no page is a second part: ${show(listed)}`);
    });
    await checkAnchors('archive contents', context, page);
    if (listed.length === 0) return;

    // To the first page by "Previous", then to the last by "Next".
    await page.goto(listed[0], { waitUntil: 'load' });
    for (let i = 0; i <= listed.length && (await page.$('a[rel="prev"]')); i += 1) {
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('a[rel="prev"] >> nth=0')]);
    }
    const walked = [];
    const seen = new Map();
    for (let i = 0; i <= listed.length; i += 1) {
      const url = page.url();
      walked.push(url);
      const where = `archive page ${url.split('/').pop()}`;
      const links = await page.$$eval('main li a[href^="../"][href$=".html"]', (as) => as.map((a) => a.href));
      for (const link of links) seen.set(link, (seen.get(link) || 0) + 1);
      await check(`${where}: has a heading and lists events or articles`, async () => {
        const h1 = await page.textContent('h1');
        expect(h1 && h1.trim().length > 0, 'no <h1>');
        expect(links.length > 0 && links.length <= 500, `${links.length} lines`);
      });
      await checkAnchors(where, context, page);
      const next = await page.$('a[rel="next"]');
      if (!next) break;
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('a[rel="next"] >> nth=0')]);
      await check(`${where}: the next page's "Previous" link leads back to it`, async () => {
        const back = await page.$eval('a[rel="prev"]', (a) => a.href);
        expect(back === url, `"Previous" is ${back}`);
      });
    }
    await check('archive: "Next" links walk every page of the contents, oldest first', async () => {
      expect(
        walked.length === listed.length && [...walked].sort().join() === [...listed].sort().join(),
        `walked ${show(walked)}; the contents list ${show(listed)}`,
      );
    });
    await check(`archive: the pages list all ${items} events and articles, each once`, async () => {
      const twice = [...seen].filter(([, n]) => n !== 1).map(([u]) => u);
      expect(seen.size === items, `${seen.size} listed`);
      expect(twice.length === 0, `listed more than once: ${show(twice.slice(0, 5))}`);
    });
    await check("archive: an item's page, opened from the archive, names it and links back", async () => {
      const last = walked[walked.length - 1];
      const link = page.locator('main li a[href^="../"]').first();
      const title = (await link.textContent()).trim();
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
      const h1 = (await page.textContent('h1')).trim();
      expect(h1 === title, `<h1> ${show(h1)}, link text ${show(title)}`);
      const crumb = await page.$eval('.crumbs a[href^="archive/"]', (a) => a.href);
      expect(crumb === last, `its archive link is ${crumb}, not ${last}`);
    });
  } finally {
    await context.close();
  }
}

/**
 * The per-category subscriptions of the archive publication (`by_category`): the page lists
 * each category once, and each one's calendar (its webcal:// address, served here under
 * archive-site/) and RSS feed are served and hold only that category.
 */
async function categorySubscriptions(browser) {
  const start = new URL('archive-site/history/index.html', BASE_URL).href;
  const { context, page } = await open(browser, 'categories', start);
  try {
    const rows = await page.$$eval('section[aria-labelledby="by-category"] li', (lis) =>
      lis.map((li) => ({
        name: li.textContent.split(':')[0],
        webcal: li.querySelector('a[href^="webcal:"]')?.getAttribute('href'),
        feed: li.querySelector('a[href$=".xml"]')?.href,
      })),
    );
    await check('categories: the page lists each category once, with a calendar and a feed', async () => {
      const names = rows.map((r) => r.name).sort();
      expect(names.join('|') === ['Café; bar', 'Talks', '東京'].sort().join('|'), `listed ${show(names)}`);
      expect(rows.every((r) => r.webcal && r.feed), `a row lacks a link: ${show(rows)}`);
    });
    for (const row of rows) {
      await check(`categories: ${row.name}'s calendar and feed are served and carry only it`, async () => {
        const local = row.webcal.replace('webcal://history.example.org/', new URL('archive-site/', BASE_URL).href);
        const calendar = await get(context, local);
        expect(calendar.status === 200, `${local}: ${calendar.status}`);
        const ics = unfold(calendar.text);
        expect(ics.startsWith('BEGIN:VCALENDAR'), `${local} is not a calendar`);
        const categories = [...ics.matchAll(/^CATEGORIES:(.*)$/gm)].map((m) => m[1].trim());
        const escaped = row.name.replace(/[;,]/g, (c) => `\\${c}`);
        expect(categories.length > 0 && categories.every((c) => c === escaped), `CATEGORIES ${show(categories.slice(0, 5))}`);
        const feed = await get(context, row.feed);
        expect(feed.status === 200, `${row.feed}: ${feed.status}`);
        const items = (feed.text.match(/<item>/g) || []).length;
        expect(items === 5, `${row.feed} has ${items} items, not its budget's 5`);
      });
    }
  } finally {
    await context.close();
  }
}

// --- main -------------------------------------------------------------------------------

let browser;
try {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const title = channelTitle(SEED_TOML);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });

  await publicationPage(browser, title);
  await localTime(browser);
  await phone(browser);
  await indexPage(browser, title);
  await archiveWalk(browser);
  await categorySubscriptions(browser);

  await check('no request left the origin (every request was to 127.0.0.1, data: or about:)', async () => {
    expect(requests.length > 0, 'no requests were recorded at all');
    const outside = requests.filter((r) => !isLocal(r.url));
    expect(outside.length === 0, `requests elsewhere: ${outside.map((r) => `${r.label}: ${r.url}`).join(', ')}`);
  });

  await check('no script errors or console errors on any page', async () => {
    expect(pageErrors.length === 0, pageErrors.join('; '));
  });
} catch (error) {
  failed += 1;
  console.log(`FAIL the browser run stopped: ${(error && error.stack) || error}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  writeResults();
}
process.exit(failed === 0 ? 0 : 1);
