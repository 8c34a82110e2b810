// Loads the wasm engine under node and wraps its C API (player/wasm/api.h).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ROOT = path.resolve(__dirname, '..', '..');

function engineDir() {
  const dir = process.env.TRAILPACK_ENGINE_DIR || path.join(ROOT, 'build', 'wasm-release', 'engine');
  if (!fs.existsSync(path.join(dir, 'trailpack-engine.js'))) throw new Error(`no wasm engine in ${dir}: run scripts/build first`);
  return dir;
}

async function loadEngine() {
  const create = require(path.join(engineDir(), 'trailpack-engine.js'));
  const M = await create();
  const take = (ptr) => { const text = M.UTF8ToString(ptr); M._tp_free(ptr); return JSON.parse(text); };
  return {
    module: M,
    open: (config) => take(M.ccall('tp_open', 'number', ['string'], [JSON.stringify(config)])),
    openRaw: (text) => take(M.ccall('tp_open', 'number', ['string'], [text])),
    call: (method, args) => take(M.ccall('tp_call', 'number', ['string', 'string'], [method, JSON.stringify(args || {})])),
    callRaw: (method, text) => take(M.ccall('tp_call', 'number', ['string', 'string'], [method, text])),
    // As engine-worker.js passes arguments: through the heap, for any size.
    callHeap: (method, args) => {
      const text = JSON.stringify(args || {});
      const size = M.lengthBytesUTF8(text) + 1;
      const ptr = M._malloc(size);
      try {
        M.stringToUTF8(text, ptr, size);
        return take(M.ccall('tp_call', 'number', ['string', 'number'], [method, ptr]));
      } finally {
        M._free(ptr);
      }
    },
    version: () => take(M.ccall('tp_version', 'number', [], [])),
    close: () => take(M.ccall('tp_close', 'number', [], [])),
  };
}

// Scenario files (tests/scenarios/*.json): "$name" strings are values saved by earlier
// steps, {"$file": path} objects are JSON files under tests/.
function substitute(v, vars) {
  if (typeof v === 'string' && v.startsWith('$') && v.slice(1) in vars) return vars[v.slice(1)];
  if (Array.isArray(v)) return v.map((x) => substitute(x, vars));
  if (v && typeof v === 'object') {
    if (Object.keys(v).length === 1 && v.$file) return JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', v.$file), 'utf8'));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, vars)]));
  }
  return v;
}

/** Plays a scenario's steps on an opened engine; returns each step's answer. */
function replay(engine, scenario) {
  const vars = {};
  return scenario.steps.map((step) => {
    const r = engine.call(step.method, substitute(step.args || {}, vars));
    if (r.ok) for (const [k, field] of Object.entries(step.save || {})) vars[k] = r.result[field];
    return r;
  });
}

module.exports = { loadEngine, substitute, replay, ROOT };
