// Benchmark 5: dashboards at scale. A server database seeded straight through SQL with
// learners, courses and statements (10,000 / 20 / 2,000,000 in a full run), then timed
// console reads. The KPI endpoints are being built on another branch ("kpis"); until they
// are merged this measures GET /api/v1/admin/learners (every learner with per-course
// progress), marked "KPI endpoints not merged yet". Add the KPI routes to ENDPOINTS.
'use strict';
const { execFileSync } = require('node:child_process');
const { stats, loadavg } = require('../lib/common.js');
const { BenchServer } = require('../lib/trailpack_server.js');

const PLAN = {
  smoke: { learners: 200, courses: 20, statements: 20000, requests: 2 },
  quick: { learners: 2000, courses: 20, statements: 200000, requests: 3 },
  full: { learners: 10000, courses: 20, statements: 2000000, requests: 3 },
};
const ENDPOINTS = [
  { path: '/api/v1/admin/learners', note: 'KPI endpoints not merged yet: the learners list stands in' },
];

// One SQL script for both databases: recursive CTEs generate the rows.
function seedSql(plan, dialect) {
  const now = Date.now();
  const series = (n) => (dialect === 'postgres' ? `generate_series(0, ${n - 1}) AS g(i)` : `(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${n - 1}) SELECT i FROM s) AS g`);
  const cat = dialect === 'postgres' ? (...p) => p.join(' || ') : (...p) => p.join(' || ');
  const org = `(SELECT id FROM orgs LIMIT 1)`;
  return `
INSERT INTO users(id, org_id, email, name, role, team, created_ms)
  SELECT ${cat("'u-b'", 'i')}, ${org}, ${cat("'b'", 'i', "'@example.com'")}, ${cat("'Learner '", 'i')}, 'learner', ${cat("'team '", `i % 50`)}, ${now} FROM ${series(plan.learners)};
INSERT INTO statements(id, user_id, actor_key, verb, object_id, object_type, course_id, timestamp_ms, stored_ms, voided, duration_ms, body)
  SELECT ${cat("'00000000-0000-4000-8000-'", dialect === 'postgres' ? "lpad(i::text, 12, '0')" : "substr('000000000000' || i, -12)")},
    ${cat("'u-b'", `i % ${plan.learners}`)}, ${cat("'account|http://127.0.0.1|u-b'", `i % ${plan.learners}`)},
    'http://adlnet.gov/expapi/verbs/experienced', ${cat("'urn:trailpack:course:c'", `(i / ${plan.learners}) % ${plan.courses}`, "':item:i'", 'i % 9')}, 'Activity',
    ${cat("'c'", `(i / ${plan.learners}) % ${plan.courses}`)}, ${now - 86400000} + i, ${now}, 0, 1000,
    ${cat(`'{"id":"00000000-0000-4000-8000-'`, dialect === 'postgres' ? "lpad(i::text, 12, '0')" : "substr('000000000000' || i, -12)",
      `'","actor":{"objectType":"Agent","account":{"homePage":"http://127.0.0.1","name":"u-b'`, `i % ${plan.learners}`,
      `'"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/experienced"},"object":{"objectType":"Activity","id":"urn:trailpack:course:c'`,
      `(i / ${plan.learners}) % ${plan.courses}`, `':item:i'`, 'i % 9', `'"},"result":{"completion":true,"duration":"PT1S"},"timestamp":"2026-11-01T09:00:00.000Z"}'`)}
  FROM ${series(plan.statements)};`;
}

async function once(backend, plan, log) {
  const server = await new BenchServer({ backend, name: 'bench_dashboards' }).start();
  try {
    const t0 = Date.now();
    const sql = seedSql(plan, backend);
    if (backend === 'postgres') execFileSync('psql', [server.db, '-q', '-v', 'ON_ERROR_STOP=1'], { input: sql, stdio: ['pipe', 'pipe', 'pipe'] });
    else execFileSync('sqlite3', [server.db], { input: 'PRAGMA busy_timeout=10000;\n' + sql, stdio: ['pipe', 'pipe', 'pipe'] });
    const seed_s = (Date.now() - t0) / 1000;
    const login = await (await fetch(server.url + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(server.admin) })).json();
    const out = { seed_s, endpoints: {} };
    for (const ep of ENDPOINTS) {
      const lat = [];
      let size = 0;
      const load = loadavg();
      // At least one request; no new one after 90 s of them (a slow endpoint at 2M statements).
      for (let i = 0, spent = 0; i < plan.requests && (i === 0 || spent < 90000); i++) {
        const a = performance.now();
        const res = await fetch(server.url + ep.path, { headers: { authorization: 'Bearer ' + login.token }, signal: AbortSignal.timeout(600000) });
        const body = await res.text();
        lat.push(performance.now() - a);
        spent += lat.at(-1);
        if (res.status !== 200) throw new Error(`${ep.path}: HTTP ${res.status} ${body.slice(0, 200)}`);
        size = body.length;
      }
      out.endpoints[ep.path] = { ...stats(lat), bytes: size, note: ep.note, loadavg: load, seed_s };
      log(`dashboards: ${backend} ${ep.path} p95 ${out.endpoints[ep.path].p95.toFixed(0)} ms (${plan.statements} statements)`);
    }
    return out;
  } finally {
    await server.close();
  }
}

async function run(mode, log) {
  const plan = PLAN[mode];
  const out = { plan, endpoints: ENDPOINTS, systems: {} };
  for (const backend of ['sqlite', 'postgres']) {
    if (backend === 'postgres' && !process.env.TRAILPACK_TEST_PG_ADMIN_URL) { out.systems[backend] = { error: 'no PostgreSQL (run under scripts/with-postgres)' }; continue; }
    try { out.systems[backend] = await once(backend, plan, log); } catch (e) { out.systems[backend] = { error: String(e && e.message || e) }; log(`dashboards: ${backend} FAILED: ${e.message}`); }
  }
  return out;
}

module.exports = { run };
