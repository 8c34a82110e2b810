// Benchmark 2: start-up in Chromium under Slow 4G (150 ms RTT, 1.6 Mbps down, 750 kbps up)
// and a 4x CPU slowdown, through CDP.
//   app:   an enrolled learner opens the first lesson of a course. Cold: the HTTP cache,
//          service worker and shell caches emptied (the learner's data in OPFS kept), the
//          server reachable. Warm offline: the service worker installed, the server stopped.
//          Measured: first lesson content visible, engine ready (the Worker's open reply),
//          bytes transferred for the shell + JS + wasm (gzip as served).
//   engines: engine ready for Trailpack (its Worker), sql.js and sqlite-wasm, each loaded
//          cold from the same gzipping static server under the same conditions.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { ROOT, stats, staticServer, launchChromium, throttle, loadavg } = require('../lib/common.js');
const { engineDir } = require('../lib/engine_dir.js');
const { releaseBinary } = require('../lib/trailpack_server.js');

const PLAN = { smoke: { appRuns: 1, engineRuns: 1 }, quick: { appRuns: 2, engineRuns: 2 }, full: { appRuns: 5, engineRuns: 5 } };
const COURSE = 'safety-basics';
const FIRST_ITEM = { id: 'welcome', title: 'Why this matters' };

// Installed before any page script: records when the first lesson's title is on screen and
// when the engine Worker first answers "open".
const PROBE = `(() => {
  const title = ${JSON.stringify(FIRST_ITEM.title)};
  const check = () => {
    if (window.__content) return;
    for (const h of document.querySelectorAll('h1')) if (h.textContent.includes(title)) { window.__content = performance.now(); return; }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true });
  const W = window.Worker;
  window.Worker = function (url, opts) {
    const w = new W(url, opts);
    w.addEventListener('message', (e) => { const r = e.data && e.data.result; if (!window.__engine && r && r.storage) window.__engine = performance.now(); });
    return w;
  };
  window.Worker.prototype = W.prototype;
})();`;

/** gzip -6 size of what the service worker precaches (the shell, the JS, the engine). */
function siteSizes(site) {
  const manifest = fs.readFileSync(path.join(site, 'sw-manifest.js'), 'utf8');
  const files = [...manifest.matchAll(/"(\/[^"]+)"/g)].map((m) => m[1]).filter((f) => f !== '/');
  const out = { files: {}, raw: 0, gzip: 0 };
  for (const f of files) {
    const bytes = fs.readFileSync(path.join(site, f));
    const gz = zlib.gzipSync(bytes, { level: 6 }).length;
    out.files[f] = { raw: bytes.length, gzip: gz };
    out.raw += bytes.length;
    out.gzip += gz;
  }
  const sum = (re) => Object.entries(out.files).filter(([f]) => re.test(f)).reduce((n, [, v]) => n + v.gzip, 0);
  out.wasm_gzip = sum(/\.wasm$/);
  out.js_gzip = sum(/\.js$/);
  out.other_gzip = out.gzip - out.wasm_gzip - out.js_gzip;
  return out;
}

async function openLesson(context, url, { network, cpu = 4, timeout = 60000 }) {
  const page = await context.newPage();
  const cdp = await throttle(page, { network, cpu });
  let bytes = 0;
  const byType = {};
  const types = new Map();
  cdp.on('Network.responseReceived', (e) => types.set(e.requestId, { url: e.response.url, type: e.type }));
  cdp.on('Network.loadingFinished', (e) => {
    const t = types.get(e.requestId);
    if (!t || /\/api\/|\/xapi\/|\/_media\//.test(t.url)) return;
    bytes += e.encodedDataLength;
    byType[t.type] = (byType[t.type] || 0) + e.encodedDataLength;
  });
  // Right after the service worker is unregistered, a first navigation can still meet it
  // and fail (net::ERR_FAILED); the timing starts with the navigation that commits.
  for (let attempt = 0; ; attempt++) {
    try {
      await page.goto(`${url}/#/course/${COURSE}/item/${FIRST_ITEM.id}`, { waitUntil: 'commit' });
      break;
    } catch (e) {
      if (attempt >= 3 || !/ERR_FAILED/.test(String(e))) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  await page.waitForFunction(() => window.__content && window.__engine, null, { timeout, polling: 50 });
  const r = await page.evaluate(() => ({ content_ms: window.__content, engine_ms: window.__engine }));
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  return { page, ...r, transfer_bytes: bytes, by_type: byType };
}

async function appRun(log) {
  process.env.TRAILPACK_BIN = process.env.TRAILPACK_BIN || releaseBinary();
  const { TrailpackServer } = require(path.join(ROOT, 'tests', 'lib', 'server.js'));
  const server = await new TrailpackServer().setup({ courses: [COURSE] });
  const browser = await launchChromium();
  try {
    const learner = server.learner('startup@example.com', 'Start Up');
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/#enroll=${learner.enrollment_code}`);
    await page.getByRole('button', { name: 'Enroll this device' }).click();
    await page.locator('.course-list').waitFor({ timeout: 60000 });
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.close();
    await browser.context.addInitScript(PROBE);

    // Cold: nothing of the app cached; the learner's data (OPFS, media cache) stays.
    const cleaner = await browser.context.newPage();
    await cleaner.goto(server.url + '/manifest.webmanifest');
    await cleaner.evaluate(async () => {
      for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
      for (const k of await caches.keys()) if (k.startsWith('trailpack-shell-')) await caches.delete(k);
    });
    const c = await browser.context.newCDPSession(cleaner);
    await c.send('Network.clearBrowserCache');
    await cleaner.close();
    const cold = await openLesson(browser.context, server.url, {}).catch((e) => { throw new Error('cold: ' + e.message); });
    await cold.page.evaluate(() => navigator.serviceWorker.ready);
    await cold.page.waitForFunction(async () => (await caches.keys()).some((k) => k.startsWith('trailpack-shell-')));
    await cold.page.close();

    // Warm offline: the service worker serves everything; nothing answers on the network.
    await server.stop();
    const warm = await openLesson(browser.context, server.url, { network: null }).catch((e) => { throw new Error('warm offline: ' + e.message); });
    await warm.page.close();
    const strip = ({ page, ...r }) => r;
    return { cold: strip(cold), warm_offline: strip(warm) };
  } finally {
    await browser.close();
    await server.close();
  }
}

async function engineRun(statics, system) {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await throttle(page, {});
    await page.goto(`${statics.url}/bench/startup/engine.html?system=${system}`);
    await page.waitForFunction(() => window.__ready || window.__error, null, { timeout: 90000, polling: 50 });
    const r = await page.evaluate(() => ({ ready: window.__ready, error: window.__error }));
    if (r.error) throw new Error(system + ': ' + r.error);
    return r.ready;
  } finally {
    await browser.close();
  }
}

async function run(mode, log) {
  const plan = PLAN[mode];
  const site = path.join(ROOT, 'build', 'site');
  const out = { plan, conditions: 'Slow 4G (150 ms RTT, 1.6 Mbps down, 750 kbps up), CPU 4x slower (CDP)', site: siteSizes(site) };
  const runs = [];
  out.loadavg = loadavg();
  out.app_errors = [];
  for (let i = 0; i < plan.appRuns; i++) {
    try { runs.push(await appRun(log)); } catch (e) { out.app_errors.push(String(e && e.message || e).split('\n')[0]); log('startup: app run FAILED: ' + out.app_errors.at(-1)); }
  }
  out.app_error = out.app_errors.join('; ');
  if (runs.length) {
    out.app = {
      runs,
      cold_content: stats(runs.map((r) => r.cold.content_ms)),
      cold_engine: stats(runs.map((r) => r.cold.engine_ms)),
      warm_content: stats(runs.map((r) => r.warm_offline.content_ms)),
      warm_engine: stats(runs.map((r) => r.warm_offline.engine_ms)),
      cold_transfer_bytes: runs[0].cold.transfer_bytes,
    };
    log(`startup: app cold content ${out.app.cold_content.p50.toFixed(0)} ms, warm offline ${out.app.warm_content.p50.toFixed(0)} ms`);
  }
  const engine = engineDir();
  const statics = await staticServer({ '/engine/': engine, '/bench/': path.join(ROOT, 'bench'), '/npm/': path.join(ROOT, 'node_modules') });
  out.engines = {};
  try {
    for (const system of ['trailpack', 'sql.js', 'sqlite-wasm']) {
      const times = [];
      try {
        for (let i = 0; i < plan.engineRuns; i++) times.push(await engineRun(statics, system));
        out.engines[system] = stats(times);
        log(`startup: ${system} engine ready ${out.engines[system].p50.toFixed(0)} ms`);
      } catch (e) {
        out.engines[system] = { error: String(e && e.message || e) };
      }
    }
  } finally {
    await statics.close();
    fs.rmSync(engine, { recursive: true, force: true });
  }
  return out;
}

module.exports = { run, siteSizes };
