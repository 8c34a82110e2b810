// A folder holding the engine's Worker scripts next to its wasm build, as the site serves
// them under /engine/ (scripts/build assembles the same in build/site/engine).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT } = require('./common.js');

function engineDir() {
  const wasm = process.env.TRAILPACK_ENGINE_DIR || path.join(ROOT, 'build', 'wasm-release', 'engine');
  if (!fs.existsSync(path.join(wasm, 'trailpack-engine.wasm'))) throw new Error(`no wasm engine in ${wasm}: run scripts/build first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trailpack-bench-engine-'));
  for (const f of ['trailpack-engine.js', 'trailpack-engine.wasm']) fs.copyFileSync(path.join(wasm, f), path.join(dir, f));
  for (const f of ['engine-worker.js', 'worker-net.js']) fs.copyFileSync(path.join(ROOT, 'player', 'wasm', f), path.join(dir, f));
  return dir;
}

module.exports = { engineDir };
