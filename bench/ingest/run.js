// Benchmark 3: server ingest. Devices push batches of 100 statements over HTTP to a
// release `trailpack serve` (SQLite, then PostgreSQL); the same documents go to
// pouchdb-server in the same batches (_bulk_docs); and a raw SQLite insert loop stores
// the same rows (the physical limit).
//   throughput: 64 clients in a closed loop (each sends its next batch when the last is acknowledged)
//   latency:    200 devices online at once, each pushing a batch of 100 every 20 s on average
//               (open loop: 1,000 statements/s offered, 5% of the 20,000/s target), so the
//               figure is the latency of a push on a busy server, not of a queue behind an
//               overload (the throughput phase measures that one)
'use strict';
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { ROOT, stats, loadavg, sleep } = require('../lib/common.js');
const { answerStatement } = require('../lib/statement.js');
const { BenchServer, freePort } = require('../lib/trailpack_server.js');

const PLAN = {
  smoke: { clients: 4, batchesPerClient: 2, devices: 8, latencySeconds: 2, learners: 4 },
  quick: { clients: 64, batchesPerClient: 3, devices: 200, latencySeconds: 20, learners: 20 },
  full: { clients: 64, batchesPerClient: 20, devices: 200, latencySeconds: 60, learners: 20 },
};
const BATCH = 100;
const PERIOD_MS = 20000;
const PHASE_CAP_MS = 120000;

function post(agent, url, body, headers) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ agent, host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
      headers: Object.assign({ 'content-type': 'application/json', 'content-length': body.length }, headers) }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.setTimeout(60000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Pre-built request bodies: per device, `count` batches of BATCH statements of its learner. */
function makeBatches(devices, count, startTs) {
  let i = 0;
  return devices.map((d) => {
    const out = [];
    for (let b = 0; b < count; b++) {
      const statements = [];
      for (let k = 0; k < BATCH; k++) statements.push(answerStatement({ homePage: d.home_page, account: d.user, i: i++, ts: startTs + i * 10 }));
      out.push(statements);
    }
    return out;
  });
}

// Targets: a Trailpack server, or pouchdb-server (the same statements as documents).
function trailpackTarget(url) {
  return {
    body: (d, statements) => Buffer.from(JSON.stringify({ protocol: 1, device_id: d.device_id, statements })),
    send: async (agent, d, body) => {
      const r = await post(agent, url + '/api/v1/sync/push', body, { authorization: 'Bearer ' + d.token });
      if (r.status !== 200) throw new Error(`push: HTTP ${r.status} ${r.body.slice(0, 200)}`);
      const j = JSON.parse(r.body);
      if (j.stored + j.duplicates !== BATCH) throw new Error('push: not all stored: ' + r.body.slice(0, 300));
    },
  };
}
function pouchTarget(url) {
  return {
    body: (d, statements) => Buffer.from(JSON.stringify({ docs: statements.map(({ id, ...rest }) => ({ _id: id, ...rest })) })),
    send: async (agent, d, body) => {
      const r = await post(agent, url + '/bench/_bulk_docs', body, {});
      if (r.status !== 201) throw new Error(`_bulk_docs: HTTP ${r.status} ${r.body.slice(0, 200)}`);
      const j = JSON.parse(r.body);
      if (j.length !== BATCH || j.some((x) => !x.ok)) throw new Error('_bulk_docs: not all stored');
    },
  };
}

async function throughput(target, devices, batches, clients) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const bodies = batches.slice(0, clients).map((list, c) => list.map((s) => target.body(devices[c], s)));
  const lat = [];
  let statements = 0;
  const load = loadavg();
  const t0 = performance.now();
  const stopAt = t0 + PHASE_CAP_MS;   // a slow system stops early; its rate is what it did
  await Promise.all(bodies.map(async (list, c) => {
    for (const body of list) {
      if (performance.now() > stopAt) break;
      const a = performance.now();
      await target.send(agent, devices[c], body);
      lat.push(performance.now() - a);
      statements += BATCH;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { statements, seconds, per_second: statements / seconds, latency: stats(lat), loadavg: load };
}

async function latency(target, devices, batches, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: devices.length });
  const bodies = batches.map((list, c) => list.map((s) => target.body(devices[c], s)));
  const lat = [];
  const load = loadavg();
  const end = performance.now() + seconds * 1000;
  await Promise.all(bodies.map(async (list, c) => {
    await sleep(Math.random() * PERIOD_MS);   // spread the devices over the period
    for (const body of list) {
      if (performance.now() >= end) break;
      const next = performance.now() + PERIOD_MS * (0.5 + Math.random());
      const a = performance.now();
      await target.send(agent, devices[c], body);
      lat.push(performance.now() - a);
      await sleep(Math.max(0, next - performance.now()));
    }
  }));
  agent.destroy();
  const offered = (devices.length * BATCH * 1000) / PERIOD_MS;
  return { pushes: lat.length, offered_per_second: offered, latency: stats(lat), loadavg: load };
}

async function runTrailpack(backend, plan, log) {
  const server = await new BenchServer({ backend, name: 'bench_ingest' }).start();
  try {
    const perLearner = Math.ceil(Math.max(plan.devices, plan.clients) / plan.learners);
    const devices = await server.devices(plan.learners, perLearner);
    // The first `clients` devices run the throughput phase, spread over the learners.
    devices.sort((a, b) => a.device_id.localeCompare(b.device_id));
    const target = trailpackTarget(server.url);
    const tp = await throughput(target, devices, makeBatches(devices.slice(0, plan.clients), plan.batchesPerClient, Date.UTC(2026, 0, 1)), plan.clients);
    const perDevice = Math.ceil(plan.latencySeconds / (PERIOD_MS / 1000)) + 1;
    const lt = await latency(target, devices.slice(0, plan.devices), makeBatches(devices.slice(0, plan.devices), perDevice, Date.UTC(2026, 1, 1)), plan.latencySeconds);
    log(`ingest: trailpack/${backend} ${tp.per_second.toFixed(0)} statements/s, p99 ${lt.latency.p99 === null ? '— (no push in the window)' : lt.latency.p99.toFixed(1) + ' ms'} at 200 devices`);
    return { throughput: tp, latency: lt };
  } finally {
    await server.close();
  }
}

async function runPouch(plan, log) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trailpack-bench-pouch-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'pouchdb-server', 'bin', 'pouchdb-server'),
    '--host', '127.0.0.1', '--port', String(port), '--dir', dir, '--no-color'],
  { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (c) => { stderr += c; });
  try {
    for (let i = 0; ; i++) {
      try { if ((await fetch(url + '/')).ok) break; } catch { /* not yet */ }
      if (i > 200 || proc.exitCode !== null) throw new Error('pouchdb-server did not start: ' + stderr.slice(-500));
      await sleep(50);
    }
    const created = await fetch(url + '/bench', { method: 'PUT' });
    if (!created.ok) throw new Error('pouchdb-server: cannot create the database');
    const devices = Array.from({ length: Math.max(plan.devices, plan.clients) }, (_, i) =>
      ({ user: 'u-' + (i % plan.learners), home_page: 'http://127.0.0.1', device_id: 'd' + i }));
    const target = pouchTarget(url);
    const tp = await throughput(target, devices, makeBatches(devices.slice(0, plan.clients), plan.batchesPerClient, Date.UTC(2026, 0, 1)), plan.clients);
    const perDevice = Math.ceil(plan.latencySeconds / (PERIOD_MS / 1000)) + 1;
    const lt = await latency(target, devices.slice(0, plan.devices), makeBatches(devices.slice(0, plan.devices), perDevice, Date.UTC(2026, 1, 1)), plan.latencySeconds);
    log(`ingest: pouchdb-server ${tp.per_second.toFixed(0)} docs/s, p99 ${lt.latency.p99 === null ? '— (no push in the window)' : lt.latency.p99.toFixed(1) + ' ms'} at 200 devices`);
    return { throughput: tp, latency: lt };
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The same rows as the server would store them, into the same table, by a plain loop. */
function runRaw(plan, log) {
  const bin = process.env.TRAILPACK_RAW_INSERT_BIN || path.join(ROOT, 'build', 'native-release', 'bench', 'bench_raw_insert');
  if (!fs.existsSync(bin)) throw new Error(`no ${bin}: cmake --build build/native-release --target bench_raw_insert`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trailpack-bench-raw-'));
  try {
    const now = Date.now();
    const lines = [];
    const devices = Array.from({ length: plan.clients }, (_, i) => ({ user: 'u-' + (i % plan.learners), home_page: 'http://127.0.0.1', device_id: 'd' + i }));
    for (const [c, list] of makeBatches(devices, plan.batchesPerClient, Date.UTC(2026, 0, 1)).entries()) {
      for (const batch of list) for (const s of batch) {
        lines.push(JSON.stringify([s.id, devices[c].user, 'account|' + s.actor.account.homePage + '|' + s.actor.account.name, s.verb.id,
          s.object.id, 'Activity', s.context.registration, 'bench-course', s.context.contextActivities.parent[0].id, Date.parse(s.timestamp),
          now, devices[c].device_id, null, 0, s.result.score.scaled, s.result.success ? 1 : 0, null, 12500, null, JSON.stringify(s)]));
      }
    }
    fs.writeFileSync(path.join(dir, 'rows.jsonl'), lines.join('\n'));
    const load = loadavg();
    const out = JSON.parse(execFileSync(bin, [path.join(dir, 'raw.db'), path.join(dir, 'rows.jsonl'), String(BATCH)], { encoding: 'utf8' }));
    log(`ingest: raw SQLite loop ${out.per_second.toFixed(0)} rows/s`);
    return { throughput: { statements: out.rows, seconds: out.seconds, per_second: out.per_second, loadavg: load } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function run(mode, log) {
  const plan = PLAN[mode];
  const out = { plan: { batch: BATCH, clients: plan.clients, batches_per_client: plan.batchesPerClient, devices: plan.devices,
    latency_seconds: plan.latencySeconds, latency_period_ms: PERIOD_MS, learners: plan.learners }, systems: {} };
  const attempt = async (name, fn) => {
    try { out.systems[name] = await fn(); } catch (e) { out.systems[name] = { error: String(e && e.message || e) }; log(`ingest: ${name} FAILED: ${e.message}`); }
  };
  await attempt('trailpack-sqlite', () => runTrailpack('sqlite', plan, log));
  if (process.env.TRAILPACK_TEST_PG_ADMIN_URL) await attempt('trailpack-postgres', () => runTrailpack('postgres', plan, log));
  else out.systems['trailpack-postgres'] = { error: 'no PostgreSQL (run under scripts/with-postgres)' };
  await attempt('pouchdb-server', () => runPouch(plan, log));
  await attempt('raw-sqlite', () => runRaw(plan, log));
  return out;
}

module.exports = { run };
