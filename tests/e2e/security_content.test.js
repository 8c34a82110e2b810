// Course content cannot run script in the app's origin. A bundle built to attack the app
// (tests/fixtures/courses/attack: HTML in every text field, a script-laden SVG,
// javascript: and data: links, deep quoting) is packed, published and played in Chromium.
// Every script in it would request /pwned on the app's own origin (which the page's CSP
// allows, so a request there means a script ran); none may. The learner's tokens are
// in the engine's storage, which only a script in the origin could read: none runs, so
// none is read.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { TrailpackServer } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { enroll } = require('../lib/steps.js');

test('an attack bundle plays inert: no script runs, nothing reaches the server, the CSP holds', { timeout: 240000 }, async (t) => {
  const server = await new TrailpackServer().setup({ courses: ['attack'] });
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  const { context } = browser;

  // Anything that would show a script ran: a request to /pwned, a dialog, a title change.
  const pwned = [];
  context.on('request', (r) => { if (r.url().includes('/pwned')) pwned.push(r.url()); });
  const dialogs = [];
  const cspViolations = [];
  const watch = (p) => {
    p.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    p.on('console', (m) => { if (/Content Security Policy/.test(m.text())) cspViolations.push(m.text()); });
  };
  context.on('page', watch);

  // The CSP on the app's HTML, and the headers of course files served by the API.
  const shell = await fetch(server.url + '/');
  const csp = shell.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|\*/);  // 'wasm-unsafe-eval' is needed and allowed
  assert.match(csp, /object-src 'none'/);
  assert.match(csp, /base-uri 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(shell.headers.get('x-content-type-options'), 'nosniff');

  const learner = server.learner('eve@example.com', 'Eve Learner');
  const page = await context.newPage();
  await enroll(page, server.url, learner.enrollment_code);
  await page.locator('.course-list').waitFor();
  // The course title is text, with its markup shown as typed.
  await page.getByText(`Attack <img src=x onerror="document.title='pwned'">`).first().waitFor();

  // The card: markup as text, links only where they are https, the picture as an image.
  await page.goto(`${server.url}/#/course/attack/item/inert`);
  await page.getByText('Inline HTML stays text: <img src=x onerror=', { exact: false }).waitFor();
  const hrefs = await page.locator('#view a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(hrefs.includes('https://example.org/'), 'the https link is a link: ' + JSON.stringify(hrefs));
  for (const h of hrefs) assert.doesNotMatch(h, /^(javascript|data):/i);
  assert.equal(await page.locator('#view iframe, #view script, #view object, #view embed').count(), 0);
  await page.getByText('javascript link', { exact: false }).waitFor();
  const img = page.locator('#view figure img');
  await img.waitFor();
  await page.waitForFunction(() => {
    const i = document.querySelector('#view figure img');
    return i && i.src.startsWith('blob:') && i.complete && i.naturalWidth > 0;
  }, null, { timeout: 30000 });
  const blobUrl = await img.getAttribute('src');

  // The quiz: HTML in prompts, choices and feedback is text.
  await page.goto(`${server.url}/#/course/attack/item/quiz`);
  await page.getByText('Which is safe? <img src=x onerror=', { exact: false }).waitFor();
  await page.getByLabel("<script>fetch('/pwned?choice')</script>").check();
  await page.getByRole('button', { name: 'Check answer' }).click();
  await page.locator('.feedback').waitFor();
  assert.match(await page.locator('.feedback').innerText(), /<img src=x onerror=/);

  // Opening the picture by itself, as "open image in new tab" would: a blob: document in
  // the app's origin runs the SVG's scripts without the app's CSP (measured in Chromium),
  // so the app revokes the URL as soon as the picture is decoded: it opens nothing.
  assert.equal(await page.evaluate((u) => fetch(u).then(() => 'readable', () => 'revoked'), blobUrl), 'revoked');
  const viewer = await context.newPage();
  await viewer.goto(blobUrl).catch(() => {});
  await viewer.waitForTimeout(1500);
  assert.notEqual(await viewer.title(), 'pwned');

  // The picture's file, straight from the service worker's cache and from the API.
  const manifest = JSON.parse((await server.api('GET', '/api/v1/courses', { token: (await enrollToken(server)) })).json.courses[0].manifest);
  const sha = manifest.files.find((f) => f.path === 'media/evil.svg').sha256;
  const direct = await context.newPage();
  for (const url of [`${server.url}/_media/${sha}`, `${server.url}/api/v1/files/${sha}`]) {
    // Either a download (no document at all) or a document whose scripts cannot run.
    const download = direct.waitForEvent('download', { timeout: 3000 }).catch(() => null);
    await direct.goto(url).catch(() => {});
    await download;
    await direct.waitForTimeout(1000);
    assert.notEqual(await direct.title().catch(() => ''), 'pwned', url);
  }
  const files = await fetch(`${server.url}/api/v1/files/${sha}`, { headers: { authorization: 'Bearer ' + (await enrollToken(server)) } });
  assert.equal(files.headers.get('content-type'), 'application/octet-stream');
  assert.equal(files.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(files.headers.get('content-security-policy'), "default-src 'none'; sandbox");
  assert.equal(files.headers.get('content-disposition'), 'attachment');

  // Back in the app, give any late script a moment, then: nothing ran.
  await page.goto(`${server.url}/#/course/attack/item/inert`);
  await page.locator('#view figure img').waitFor();
  await page.waitForTimeout(1500);
  assert.deepEqual(pwned, [], 'a script from the course ran in the app origin');
  assert.deepEqual(dialogs, []);
  assert.notEqual(await page.title(), 'pwned');
  assert.deepEqual(browser.errors, []);
  t.diagnostic(`CSP blocked ${cspViolations.length} attempt(s) to run course script`);
});

// A device token for API calls made by the test itself (not the browser's).
let cachedToken = null;
async function enrollToken(server) {
  if (cachedToken) return cachedToken;
  const code = server.learner('tester@example.com', 'Tester').enrollment_code;
  const res = await server.api('POST', '/api/v1/auth/enroll', { body: { code, device_name: 'test' } });
  cachedToken = res.json.access_token;
  return cachedToken;
}
