// Benchmark 1: durable one-statement transactions in a Chromium Worker, Trailpack's engine
// (its real Worker, OPFS VFS) against wa-sqlite, sqlite-wasm and sql.js.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, stats, staticServer, launchChromium, loadavg } = require('../lib/common.js');
const { engineDir } = require('../lib/engine_dir.js');

const SYSTEMS = ['trailpack', 'wa-sqlite', 'sqlite-wasm', 'sql.js'];
const MiB = 1024 * 1024;

const PLAN = {
  smoke: { sizes: [{ label: '1 MiB', bytes: MiB }], count: 30, maxMs: 3000 },
  quick: { sizes: [{ label: '1 MiB', bytes: MiB }, { label: '64 MiB', bytes: 64 * MiB }], count: 300, maxMs: 6000 },
  full: { sizes: [{ label: '1 MiB', bytes: MiB }, { label: '64 MiB', bytes: 64 * MiB }], count: 1500, maxMs: 25000 },
};

async function run(mode, log) {
  const plan = PLAN[mode];
  const engine = engineDir();
  const server = await staticServer({ '/engine/': engine, '/bench/': path.join(ROOT, 'bench'), '/npm/': path.join(ROOT, 'node_modules') });
  let results;
  try {
    // One browser profile and one page: every system and size open at once, measured
    // round-robin (see page.js).
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(server.url + '/bench/store/index.html');
      const load = loadavg();
      const r = await page.evaluate(([n, s, c, m]) => self.runStoreBench(n, s, c, m), [SYSTEMS, plan.sizes, plan.count, plan.maxMs]);
      results = SYSTEMS.map((name) => {
        const sys = r.systems[name];
        sys.loadavg = load;
        for (const p of sys.points) {
          p.tx_per_s = p.lat.length / (p.wall_ms / 1000);
          Object.assign(p, stats(p.lat));
          delete p.lat;
        }
        log(`store: ${name} ${sys.error ? 'FAILED: ' + sys.error : sys.points.map((p) => `${p.label} ${p.tx_per_s.toFixed(0)} tx/s`).join(', ')}`);
        return sys;
      });
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
    fs.rmSync(engine, { recursive: true, force: true });
  }
  return { plan: { sizes: plan.sizes.map((s) => s.label), count: plan.count, max_ms: plan.maxMs }, systems: results };
}

module.exports = { run, SYSTEMS };
