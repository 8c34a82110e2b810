// Benchmark 5: dashboards at scale. A server database filled by `trailpack dev generate`
// (10,000 learners, 20 courses, 2,000,000 statements in a full run: realistic journeys
// stored by the server's own code, KPI summary tables included), then every console
// dashboard call timed on SQLite and on PostgreSQL.
'use strict';
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');
const { stats, loadavg } = require('../lib/common.js');
const { BenchServer } = require('../lib/trailpack_server.js');

const execFileAsync = promisify(execFile);

const PLAN = {
  smoke: { learners: 100, courses: 4, statements: 4000, requests: 1 },
  quick: { learners: 2000, courses: 20, statements: 200000, requests: 3 },
  full: { learners: 10000, courses: 20, statements: 2000000, requests: 3 },
};
// Every call the console's dashboard makes (web/admin/pages/dashboard.js), with its default
// period (the last 30 days), then the same engagement table for a manager (one site) and
// filtered to one course, and the learners list.
const TABLES = ['engagement', 'activity', 'modules', 'interactions', 'scores', 'gain', 'objectives', 'questions',
  'surveys', 'comments', 'sync', 'devices', 'flags', 'filters'];
const ENDPOINTS = [
  ...TABLES.map((t) => ({ path: `/api/v1/admin/kpi/${t}${t === 'modules' ? '?course=gen-01' : ''}`, note: t === 'modules' ? 'admin, one course (required)' : 'admin, whole organisation' })),
  { path: '/api/v1/admin/kpi/engagement?course=gen-01', note: 'admin, one course' },
  { path: '/api/v1/admin/kpi/engagement#manager', note: 'a manager: one site of 500 learners', as: 'manager' },
  { path: '/api/v1/admin/learners', note: 'admin, first page of learners' },
];

// The dataset: `trailpack dev generate` (bench/gen/README.md) writes realistic journeys
// through the server's own storage code (KPI tables included) into an empty database.
// Both backends' datasets are generated at the same time (it is most of the full run);
// the requests are timed afterwards, one backend at a time, on an otherwise idle machine.
async function generate(backend, plan) {
  const server = new BenchServer({ backend, name: 'bench_dashboards' });
  const t0 = Date.now();
  try {
    const { stdout } = await execFileAsync(server.bin, ['dev', 'generate', '--db', server.db, '--learners', String(plan.learners),
      '--courses', String(plan.courses), '--statements', String(plan.statements), '--seed', '1'],
    { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 1800000 });
    return { server, report: JSON.parse(stdout), seed_s: (Date.now() - t0) / 1000 };
  } catch (e) {
    await server.close();
    throw e;
  }
}

async function measure(backend, plan, { server, report, seed_s }, log) {
  await server.start({ init: false });
  const signIn = async (who) => {
    const res = await fetch(server.url + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(who) });
    if (!res.ok) throw new Error('sign-in failed: ' + res.status);
    return (await res.json()).token;
  };
  const tokens = {
    admin: await signIn(report.admin),
    manager: await signIn({ email: 'manager1@bench.example', password: report.managers.password }),
  };
  const out = { seed_s, statements: report.statements, journeys: report.journeys, kpi_rebuild_ms: report.kpi_rebuild_ms, endpoints: {} };
  for (const ep of ENDPOINTS) {
    const lat = [];
    let size = 0;
    const load = loadavg();
    const url = server.url + ep.path.split('#')[0];
    // At least one request; no new one after 90 s of them (a slow endpoint at 2M statements).
    for (let i = 0, spent = 0; i < plan.requests && (i === 0 || spent < 90000); i++) {
      const a = performance.now();
      const res = await fetch(url, { headers: { authorization: 'Bearer ' + tokens[ep.as || 'admin'] }, signal: AbortSignal.timeout(600000) });
      const body = await res.text();
      lat.push(performance.now() - a);
      spent += lat.at(-1);
      if (res.status !== 200) throw new Error(`${ep.path}: HTTP ${res.status} ${body.slice(0, 200)}`);
      size = body.length;
    }
    out.endpoints[ep.path] = { ...stats(lat), bytes: size, note: ep.note, loadavg: load, seed_s };
    log(`dashboards: ${backend} ${ep.path} p95 ${out.endpoints[ep.path].p95.toFixed(0)} ms (${report.statements} statements)`);
  }
  return out;
}

async function run(mode, log) {
  const plan = PLAN[mode];
  const out = { plan, endpoints: ENDPOINTS, systems: {} };
  const backends = [];
  for (const backend of ['sqlite', 'postgres']) {
    if (backend === 'postgres' && !process.env.TRAILPACK_TEST_PG_ADMIN_URL) { out.systems[backend] = { error: 'no PostgreSQL (run under scripts/with-postgres)' }; continue; }
    backends.push(backend);
  }
  const datasets = await Promise.allSettled(backends.map((b) => generate(b, plan)));
  for (let i = 0; i < backends.length; i++) {
    const backend = backends[i];
    const d = datasets[i];
    if (d.status === 'rejected') {
      out.systems[backend] = { error: String(d.reason && d.reason.message || d.reason) };
      log(`dashboards: ${backend} FAILED: ${out.systems[backend].error}`);
      continue;
    }
    log(`dashboards: ${backend} dataset generated in ${d.value.seed_s.toFixed(0)} s (both at once)`);
    try { out.systems[backend] = await measure(backend, plan, d.value, log); } catch (e) { out.systems[backend] = { error: String(e && e.message || e) }; log(`dashboards: ${backend} FAILED: ${e.message}`); } finally { await d.value.server.close(); }
  }
  return out;
}

module.exports = { run };
