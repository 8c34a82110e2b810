// bench/run's driver: runs the benchmarks, prints one table per benchmark with a column per
// system, says which targets are met, and writes bench/results/latest.json. A missed
// target is reported, never hidden, and does not fail the run; a benchmark that cannot run
// at all does.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, machine, loadavg, printTable } = require('./common.js');

const args = process.argv.slice(2);
const mode = args.includes('--smoke') ? 'smoke' : args.includes('--quick') ? 'quick' : 'full';
const only = (args.find((a) => a.startsWith('--only=')) || '').slice(7).split(',').filter(Boolean);
const BENCHES = ['store', 'startup', 'ingest', 'catchup', 'dashboards'];
const log = (m) => console.log('  ' + m);
const MiB = 1024 * 1024;

function point(sys, label) { return sys && sys.points ? sys.points.find((p) => p.label === label) : null; }

function measured(value) { return value !== null && value !== undefined && !Number.isNaN(value); }

function report(results, printTable = defaultPrint) {
  const targets = [];
  // A figure that could not be measured (no sample) is never a met target.
  const target = (bench, name, value, limit, met, unit = '') => targets.push({ bench, name, value, limit, met: measured(value) && met, unit });

  if (results.store) {
    const s = results.store;
    const by = Object.fromEntries(s.systems.map((x) => [x.system, x]));
    const cols = ['trailpack', 'wa-sqlite', 'sqlite-wasm', 'sql.js'];
    const rows = [];
    for (const label of s.plan.sizes) {
      rows.push([`tx/s at ${label}`, ...cols.map((c) => point(by[c], label)?.tx_per_s ?? (by[c]?.error ? 'failed' : null))]);
      rows.push([`p50 ms at ${label}`, ...cols.map((c) => point(by[c], label)?.p50)]);
      rows.push([`p95 ms at ${label}`, ...cols.map((c) => point(by[c], label)?.p95)]);
    }
    printTable('1. Durable one-statement transactions in a Chromium Worker (higher tx/s, lower ms is better)',
      ['Trailpack (OPFS VFS, WAL)', 'wa-sqlite (AccessHandlePool, WAL)', 'sqlite-wasm 3.54.1-build1 (opfs-sahpool, WAL)', 'sql.js (export to IndexedDB)'], rows,
      ['Each write: page -> Worker -> one INSERT in its own transaction -> durable -> reply. Trailpack: its real Worker, sync.ingest of one statement.',
        ...s.systems.filter((x) => x.error).map((x) => `${x.system} failed: ${x.error}`)]);
    for (const label of s.plan.sizes) {
      const tp = point(by.trailpack, label);
      const best = Math.max(...cols.slice(1).map((c) => point(by[c], label)?.tx_per_s || 0));
      if (tp && best) target('store', `Trailpack tx/s ≥ 1.5× best peer at ${label}`, tp.tx_per_s / best, 1.5, tp.tx_per_s / best >= 1.5, '×');
    }
    const a = point(by.trailpack, '1 MiB');
    const b = point(by.trailpack, '64 MiB');
    if (a && b) {
      target('store', 'Trailpack p50 at 64 MiB ≤ 1.2× p50 at 1 MiB', b.p50 / a.p50, 1.2, b.p50 / a.p50 <= 1.2, '×');
      target('store', 'Trailpack p95 at 64 MiB ≤ 1.2× p95 at 1 MiB', b.p95 / a.p95, 1.2, b.p95 / a.p95 <= 1.2, '×');
    }
  }

  if (results.startup) {
    const s = results.startup;
    if (s.app) {
      printTable('2a. Learner app start-up, Slow 4G + 4x CPU (median of ' + s.app.runs.length + ')', ['cold (nothing cached)', 'warm, offline'], [
        ['first lesson visible, ms', s.app.cold_content.p50, s.app.warm_content.p50],
        ['engine ready, ms', s.app.cold_engine.p50, s.app.warm_engine.p50],
      ], ['Cold: HTTP cache, service worker and shell cache emptied; the learner data kept (OPFS). Warm offline: server stopped.',
        ...(s.app_errors && s.app_errors.length ? [`${s.app_errors.length} run(s) failed: ${s.app_error}`] : [])]);
      target('startup', 'first lesson ≤ 1.5 s cold', s.app.cold_content.p50, 1500, s.app.cold_content.p50 <= 1500, ' ms');
      target('startup', 'first lesson ≤ 0.5 s warm offline', s.app.warm_content.p50, 500, s.app.warm_content.p50 <= 500, ' ms');
    } else {
      printTable('2a. Learner app start-up: FAILED', [], [], [s.app_error]);
    }
    printTable('2b. Download size of the shell + JS + wasm (gzip -6, what the service worker precaches)', ['KB'], [
      ['wasm', s.site.wasm_gzip / 1024], ['JavaScript', s.site.js_gzip / 1024], ['HTML, CSS, icons, manifest', s.site.other_gzip / 1024], ['total', s.site.gzip / 1024]]);
    target('startup', 'shell + wasm + JS ≤ 350 KB gzip', s.site.gzip / 1024, 350, s.site.gzip / 1024 <= 350, ' KB');
    const e = s.engines;
    printTable('2c. Engine ready, cold, Slow 4G + 4x CPU (ms, median)', ['Trailpack', 'sql.js 1.13.0', 'sqlite-wasm 3.54.1-build1 (opfs-sahpool)'],
      [['engine ready', ...['trailpack', 'sql.js', 'sqlite-wasm'].map((k) => (e[k] && e[k].p50) ?? (e[k] && e[k].error ? 'failed' : null))]]);
  }

  if (results.ingest) {
    const s = results.ingest;
    const cols = ['trailpack-sqlite', 'trailpack-postgres', 'pouchdb-server', 'raw-sqlite'];
    const g = (c, f) => { const x = s.systems[c]; return x && !x.error ? f(x) : (x && x.error ? 'failed' : null); };
    printTable(`3. Server ingest: batches of ${s.plan.batch}, ${s.plan.clients} clients (throughput); ${s.plan.devices} devices each pushing every ${s.plan.latency_period_ms / 1000} s on average (latency)`,
      ['Trailpack SQLite', 'Trailpack PostgreSQL', 'pouchdb-server 4.2.0', 'raw SQLite loop'], [
        ['statements/s', ...cols.map((c) => g(c, (x) => x.throughput.per_second))],
        ['push p50 ms, 64 clients', ...cols.map((c) => g(c, (x) => x.throughput.latency?.p50))],
        ['push p99 ms, 64 clients', ...cols.map((c) => g(c, (x) => x.throughput.latency?.p99))],
        ['push p50 ms, 200 devices', ...cols.map((c) => g(c, (x) => x.latency?.latency.p50))],
        ['push p99 ms, 200 devices', ...cols.map((c) => g(c, (x) => x.latency?.latency.p99))],
      ], Object.entries(s.systems).filter(([, x]) => x.error).map(([k, x]) => `${k}: ${x.error}`));
    const tp = s.systems['trailpack-sqlite'];
    if (tp && !tp.error) {
      const v = tp.throughput.per_second;
      target('ingest', '≥ 20,000 statements/s (SQLite, 2 cores)', v, 20000, v >= 20000, '/s');
      const pouch = s.systems['pouchdb-server'];
      if (pouch && !pouch.error) target('ingest', '≥ 6× pouchdb-server', v / pouch.throughput.per_second, 6, v / pouch.throughput.per_second >= 6, '×');
      const raw = s.systems['raw-sqlite'];
      if (raw && !raw.error) target('ingest', '≥ 0.3× the raw SQLite loop', v / raw.throughput.per_second, 0.3, v / raw.throughput.per_second >= 0.3, '×');
      target('ingest', 'p99 ≤ 50 ms at 200 devices (SQLite)', tp.latency.latency.p99, 50, tp.latency.latency.p99 <= 50, ' ms');
    }
    const pg = s.systems['trailpack-postgres'];
    if (pg && !pg.error) target('ingest', 'p99 ≤ 50 ms at 200 devices (PostgreSQL)', pg.latency.latency.p99, 50, pg.latency.latency.p99 <= 50, ' ms');
  }

  if (results.catchup) {
    const s = results.catchup;
    printTable(`4. Catch-up sync: ${s.plan.statements} statements after 30 days offline, Slow 4G (ms, median of ${s.runs.length})`, ['Trailpack (Chromium, real Worker)'], [
      ['push + pull', s.total.p50], ['push', s.push.p50], ['pull', s.pull.p50]]);
    if (s.plan.statements >= 5000) target('catchup', '5,000 statements pushed and pulled ≤ 3 s', s.total.p50, 3000, s.total.p50 <= 3000, ' ms');
  }

  if (results.dashboards) {
    const s = results.dashboards;
    const rows = [];
    for (const ep of s.endpoints) {
      const g = (b, f) => { const x = s.systems[b]; return x && !x.error ? f(x.endpoints[ep.path]) : 'failed'; };
      rows.push([`${ep.path} (${ep.note})`, g('sqlite', (x) => x.p50), g('sqlite', (x) => x.p95), g('postgres', (x) => x.p50), g('postgres', (x) => x.p95)]);
      for (const b of ['sqlite', 'postgres']) {
        const x = s.systems[b];
        if (x && !x.error) target('dashboards', `${ep.path} p95 ≤ 200 ms (${b})`, x.endpoints[ep.path].p95, 200, x.endpoints[ep.path].p95 <= 200, ' ms');
      }
    }
    printTable(`5. Dashboards: ${s.plan.learners} learners, ${s.plan.courses} courses, ${s.plan.statements} statements asked (ms)`, ['SQLite p50', 'SQLite p95', 'PostgreSQL p50', 'PostgreSQL p95'], rows,
      [...Object.entries(s.systems).filter(([, x]) => !x.error).map(([k, x]) => `${k}: ${x.statements} statements generated in ${Math.round(x.seed_s)} s (KPI tables rebuilt in ${Math.round(x.kpi_rebuild_ms / 1000)} s)`), ...Object.entries(s.systems).filter(([, x]) => x.error).map(([k, x]) => `${k}: ${x.error}`)]);
  }

  return targets;
}

function targetValue(t) {
  if (!measured(t.value)) return 'not measured';
  return t.unit === '×' ? t.value.toFixed(2) + '×' : Math.round(t.value) + t.unit;
}

function printTargets(targets, runMode) {
  console.log('\nTargets' + (runMode !== 'full' ? ` (a ${runMode} run: smaller sizes and counts than the targets are stated for; see BENCHMARKS.md for a full run)` : ''));
  for (const t of targets) console.log(`  ${t.met ? 'MET    ' : 'MISSED '} ${t.bench.padEnd(10)} ${t.name}: ${targetValue(t)}`);
}

/** bench/lib/main.js --markdown [file]: the tables of a results file as Markdown (for BENCHMARKS.md). */
function markdown(file) {
  const out = JSON.parse(fs.readFileSync(file, 'utf8'));
  const { fmt } = require('./common.js');
  const md = (title, columns, rows, notes = []) => {
    console.log(`\n#### ${title}\n`);
    if (columns.length) {
      console.log('| | ' + columns.join(' | ') + ' |');
      console.log('|---|' + columns.map(() => '---:').join('|') + '|');
      for (const r of rows) console.log('| ' + r[0] + ' | ' + r.slice(1).map((c) => fmt(c)).join(' | ') + ' |');
    }
    for (const n of notes) console.log(`\n${n}`);
  };
  const targets = report(out.results, md);
  console.log('\n#### Targets\n\n| benchmark | target | measured | |\n|---|---|---:|---|');
  for (const t of targets) console.log(`| ${t.bench} | ${t.name} | ${targetValue(t)} | ${t.met ? 'met' : '**missed**'} |`);
  const m = out.machine;
  console.log(`\nRun: ${out.mode}, ${out.started}, ${Math.round(out.seconds)} s. Machine: ${m.cores} cores (${m.cpu}), ${m.memory_gib} GiB, Linux ${m.kernel}, node ${m.node}; ` +
    `load average ${out.loadavg_start.join(' ')} at the start, ${out.loadavg_end.join(' ')} at the end.`);
}

function defaultPrint(...a) { printTable(...a); }

if (args.includes('--markdown')) {
  markdown(args.find((a) => a.endsWith('.json')) || path.join(ROOT, 'bench', 'results', 'latest.json'));
  process.exit(0);
}

(async () => {
  const started = new Date();
  const out = { mode, started: started.toISOString(), machine: machine(), loadavg_start: loadavg(),
    server_binary: process.env.TRAILPACK_RELEASE_BIN || 'build/native-release/sync/trailpack', results: {}, errors: {} };
  console.log(`Trailpack benchmarks, ${mode} run, ${out.machine.cores} cores (${out.machine.cpu}), load ${out.loadavg_start.join(' ')}`);
  let failed = 0;
  for (const b of BENCHES) {
    if (only.length && !only.includes(b)) continue;
    console.log(`\n==> ${b}`);
    const t0 = Date.now();
    try {
      out.results[b] = await require(path.join(ROOT, 'bench', b, 'run.js')).run(mode, log);
      out.results[b].seconds = (Date.now() - t0) / 1000;
    } catch (e) {
      failed++;
      out.errors[b] = String(e && e.stack || e);
      console.log(`  ${b} could not run: ${e && e.message}`);
    }
  }
  out.targets = report(out.results);
  printTargets(out.targets, mode);
  out.loadavg_end = loadavg();
  out.seconds = (Date.now() - started.getTime()) / 1000;
  fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'latest.json'), JSON.stringify(out, null, 1));
  console.log(`\nload ${out.loadavg_start.join(' ')} -> ${out.loadavg_end.join(' ')}; ${Math.round(out.seconds)} s; bench/results/latest.json written`);
  const met = out.targets.filter((t) => t.met).length;
  console.log(`benchmarks: ${Object.keys(out.results).length} ran, ${failed} could not run; targets: ${met} met, ${out.targets.length - met} missed`);
  process.exit(failed ? 1 : 0);
})();
