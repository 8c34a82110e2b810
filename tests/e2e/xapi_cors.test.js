// Browser content on another origin reporting to the LRS, in Debian's Chromium: a page
// served from an allowed origin POSTs a statement and reads it back (CORS preflight with
// Authorization and X-Experience-API-Version); a page from an origin the server does not
// list is blocked by the browser, and nothing is stored.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { TrailpackServer, freePort } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');

// A bare page on its own origin (127.0.0.1:<port>).
async function contentServer() {
  const port = await freePort();
  const srv = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>content</title><p>xAPI content</p>');
  });
  await new Promise((resolve) => srv.listen(port, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => srv.close(resolve)) };
}

// Runs in the page: what a content package's xAPI wrapper does.
async function report({ lrs, auth, id }) {
  const headers = { Authorization: auth, 'X-Experience-API-Version': '1.0.3', 'Content-Type': 'application/json' };
  try {
    const put = await fetch(`${lrs}/xapi/statements?statementId=${id}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({
        actor: { mbox: 'mailto:browser@example.com' },
        verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
        object: { id: 'https://content.example/video' },
      }),
    });
    const get = await fetch(`${lrs}/xapi/statements?statementId=${id}`, { headers });
    return { put: put.status, get: get.status, version: get.headers.get('X-Experience-API-Version'),
      consistent: get.headers.get('X-Experience-API-Consistent-Through'), id: (await get.json()).id };
  } catch (err) {
    return { error: String(err) };
  }
}

test('browser content on an allowed origin reports to the LRS; another origin is blocked', { timeout: 120000 }, async (t) => {
  const allowed = await contentServer();
  const other = await contentServer();
  const server = await new TrailpackServer().setup({ courses: [], serveArgs: ['--cors-origin', allowed.origin] });
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); await allowed.close(); await other.close(); });
  const auth = 'Basic ' + Buffer.from('e2e-key:e2e-secret').toString('base64');

  const page = await browser.context.newPage();
  await page.goto(allowed.origin + '/');
  const id = '8a5c0f3e-1d2b-4c6a-9e7f-0123456789ab';
  const ok = await page.evaluate(report, { lrs: server.url, auth, id });
  assert.deepEqual({ ...ok, consistent: typeof ok.consistent }, { put: 204, get: 200, version: '1.0.3', consistent: 'string', id });

  const blocked = await browser.context.newPage();
  await blocked.goto(other.origin + '/');
  const denied = await blocked.evaluate(report, { lrs: server.url, auth, id: '9b6d1f4e-2e3c-4d7b-8f80-123456789abc' });
  assert.match(denied.error, /TypeError: Failed to fetch/);
  const stored = await server.api('GET', '/xapi/statements?statementId=9b6d1f4e-2e3c-4d7b-8f80-123456789abc',
    { basic: 'e2e-key:e2e-secret', headers: { 'X-Experience-API-Version': '1.0.3' } });
  assert.equal(stored.status, 404);
});
