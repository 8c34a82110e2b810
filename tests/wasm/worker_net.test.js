// The engine Worker's network side (player/wasm/worker-net.js) run under node in a VM
// context with a scripted fetch: a stalled API call fails as offline after its time limit
// (so a sync cannot hang until the app is closed), while file downloads have no limit.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const CODE = fs.readFileSync(path.join(__dirname, '..', '..', 'player', 'wasm', 'worker-net.js'), 'utf8');

function load(fetch, timeouts) {
  const ctx = {
    fetch,
    // The time limit asked for is recorded; the signal fires after 20 ms (on a timer that
    // keeps node running, unlike AbortSignal.timeout's).
    AbortSignal: {
      timeout: (ms) => {
        timeouts.push(ms);
        const c = new AbortController();
        setTimeout(() => c.abort(new DOMException('timed out', 'TimeoutError')), 20);
        return c.signal;
      },
    },
    engineError: (code, message) => Object.assign(new Error(message), { code }),
    TextEncoder, atob, crypto, console, setTimeout, URL,
    self: {}, queuedCall: async () => null,
  };
  vm.createContext(ctx);
  vm.runInContext(CODE, ctx);
  return ctx;
}

// What fetch resolves to (the layer runs node without its fetch API).
const answer = (status, body) => ({
  ok: status >= 200 && status < 300, status, statusText: '',
  json: async () => JSON.parse(body), text: async () => body,
});

// A fetch that never answers, except by failing when its signal aborts.
const stalled = (url, options) => new Promise((resolve, reject) => {
  if (options.signal) options.signal.addEventListener('abort', () => reject(options.signal.reason));
});

test('a stalled API call fails as offline after 2 minutes', async () => {
  const timeouts = [];
  const worker = load(stalled, timeouts);
  await assert.rejects(worker.request('http://server', '/api/v1/sync/pull', { method: 'POST', token: 't', body: { cursor: 0 } }),
    (e) => e.code === 'offline' && /did not answer within 2 minutes/.test(e.message));
  assert.deepEqual(timeouts, [120000]);
});

test('a file download has no time limit', async () => {
  const timeouts = [];
  let signal = 'unset';
  const worker = load(async (url, options) => { signal = options.signal; return answer(200, 'bytes'); }, timeouts);
  const res = await worker.request('http://server', '/api/v1/files/abc', { token: 't', raw: true });
  assert.equal(await res.text(), 'bytes');
  assert.equal(signal, undefined);
  assert.deepEqual(timeouts, []);
});

test('an unreachable server is offline, and an error answer keeps its code', async () => {
  const worker = load(async () => { throw new TypeError('Failed to fetch'); }, []);
  await assert.rejects(worker.request('http://server', '/api/v1/courses', { token: 't' }),
    (e) => e.code === 'offline' && e.message === 'the server cannot be reached');
  const answering = load(async () => answer(400, JSON.stringify({ error: { code: 'invalid_pull', message: 'bad cursor' } })), []);
  await assert.rejects(answering.request('http://server', '/api/v1/sync/pull', { method: 'POST', body: {} }),
    (e) => e.code === 'invalid_pull' && e.status === 400);
});
