// Benchmark 4: catch-up sync. A device 30 days offline holding 5,000 unsynced statements
// pushes them and pulls, in Chromium with the real engine Worker and its sync code
// (player/wasm/worker-net.js) under Slow 4G (150 ms RTT, 1.6 Mbps down, 750 kbps up,
// CDP network emulation; no CPU slowdown), against a release `trailpack serve`.
// The learner's database is prepared with the wasm engine under node (profile, tokens,
// 5,000 statements over 30 days, marked unsynced) and written into the browser's OPFS.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT, launchChromium, throttle, loadavg, stats } = require('../lib/common.js');
const { answerStatement } = require('../lib/statement.js');
const { BenchServer } = require('../lib/trailpack_server.js');

const PLAN = { smoke: { statements: 300, runs: 1 }, quick: { statements: 5000, runs: 1 }, full: { statements: 5000, runs: 3 } };

async function prepareDevice(server, count) {
  const [device] = await server.devices(1, 1);
  const { loadEngine } = require(path.join(ROOT, 'tests', 'wasm', 'engine.js'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trailpack-bench-device-'));
  // Emscripten 3.1.6 fetches the .wasm by path when node has a global fetch: hide it meanwhile.
  const nodeFetch = globalThis.fetch;
  globalThis.fetch = undefined;
  let e;
  try { e = await loadEngine(); } finally { globalThis.fetch = nodeFetch; }
  e.module.FS.mkdir('/data');
  e.module.FS.mount(e.module.FS.filesystems.NODEFS, { root: dir }, '/data');
  const must = (r) => { if (!r.ok) throw new Error(JSON.stringify(r.error)); return r.result; };
  must(e.open({ path: '/data/device.db', journal_mode: 'DELETE' }));
  must(e.call('profile.set', { home_page: device.home_page, account: device.user, name: 'Catch Up', device_id: device.device_id }));
  must(e.call('app.put', { key: 'server', value: server.url }));
  must(e.call('app.put', { key: 'auth', value: { access_token: device.token, refresh_token: 'unused', expires_at: Date.now() + 86400000 } }));
  must(e.call('app.put', { key: 'auth_state', value: 'ok' }));
  const start = Date.now() - 30 * 86400000;
  for (let i = 0; i < count; i += 500) {
    const list = [];
    for (let k = i; k < Math.min(count, i + 500); k++)
      list.push(answerStatement({ homePage: device.home_page, account: device.user, course: 'safety-basics', i: k, ts: start + Math.floor((k * 30 * 86400000) / count) }));
    must(e.callHeap('sync.ingest', { statements: list }));
  }
  e.close();
  // Recorded on the device and never sent: what 30 days offline leaves in the outbox.
  execFileSync('sqlite3', [path.join(dir, 'device.db'), 'UPDATE statements SET synced = 0']);
  return { device, file: path.join(dir, 'device.db'), dir };
}

async function once(plan, log) {
  const server = new BenchServer({ name: 'bench_catchup' });
  // The page and the Worker come from the server's own origin (a copy of the site plus the page).
  server.site = fs.mkdtempSync(path.join(os.tmpdir(), 'trailpack-bench-site-'));
  fs.cpSync(path.join(ROOT, 'build', 'site'), server.site, { recursive: true });
  fs.copyFileSync(path.join(__dirname, 'page.html'), path.join(server.site, 'bench-catchup.html'));
  fs.copyFileSync(path.join(__dirname, 'page.js'), path.join(server.site, 'bench-catchup.js'));
  await server.start({ webRoot: server.site });
  const browser = await launchChromium();
  let prepared;
  try {
    prepared = await prepareDevice(server, plan.statements);
    fs.copyFileSync(prepared.file, path.join(server.site, 'bench-device.db'));
    const page = await browser.context.newPage();
    await page.goto(server.url + '/bench-catchup.html');
    const status = await page.evaluate((p) => window.prepare(p), prepared.device.user);
    if (status.unsynced !== plan.statements) throw new Error(`the device holds ${status.unsynced} unsynced statements, not ${plan.statements}`);
    const load = loadavg();
    await throttle(page, { cpu: 0 });
    const r = await page.evaluate(() => window.runSync());
    r.phases = await page.evaluate(() => window.__phases.map((p) => ({ ...p, t: Math.round(p.t) })));
    if (r.result.pushed !== plan.statements) throw new Error('pushed ' + r.result.pushed + ': ' + JSON.stringify(r.result));
    r.loadavg = load;
    log(`catchup: ${plan.statements} statements: ${r.total_ms.toFixed(0)} ms (push ${r.push_ms.toFixed(0)}, pull ${r.pull_ms.toFixed(0)}), pulled ${r.result.pulled}`);
    return r;
  } finally {
    await browser.close();
    await server.close();
    fs.rmSync(server.site, { recursive: true, force: true });
    if (prepared) fs.rmSync(prepared.dir, { recursive: true, force: true });
  }
}

async function run(mode, log) {
  const plan = PLAN[mode];
  const runs = [];
  for (let i = 0; i < plan.runs; i++) runs.push(await once(plan, log));
  return { plan, conditions: 'Slow 4G network (CDP), no CPU slowdown; Chromium, the real engine Worker and its sync code',
    runs, total: stats(runs.map((r) => r.total_ms)), push: stats(runs.map((r) => r.push_ms)), pull: stats(runs.map((r) => r.pull_ms)) };
}

module.exports = { run };
