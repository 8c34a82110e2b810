// The wasm build under node: its C API, the exception policy (nothing crosses into JS),
// durable storage on a real file (NODEFS), and the engine scenarios compared with the
// native build's transcripts.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { loadEngine, substitute, ROOT } = require('./engine.js');

const TESTS = path.join(ROOT, 'tests');

test('tp_version lists the engine methods and the SQLite it carries', async () => {
  const e = await loadEngine();
  const v = e.version();
  assert.equal(v.ok, true);
  assert.match(v.result.sqlite, /^3\.\d+\.\d+$/);
  for (const m of ['quiz.answer', 'sync.pending', 'course.install']) assert.ok(v.result.methods.includes(m), m);
  assert.equal(v.result.protocol, 1);
});

test('errors come back as values: bad JSON, calls before open, C++ exceptions', async () => {
  const e = await loadEngine();
  assert.deepEqual(e.call('status', {}).error.code, 'not_open');
  assert.equal(e.openRaw('{not json').error.code, 'invalid_argument');
  assert.equal(e.open({ path: '/mem.db' }).ok, true);
  assert.equal(e.callRaw('status', '{broken').error.code, 'invalid_argument');
  // nlohmann throws type_error inside the engine; -fwasm-exceptions catches it in C++.
  const r = e.call('profile.set', { home_page: 'https://x.example', account: 'u', name: 42 });
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 'invalid_argument');
  assert.match(r.error.message, /type must be string/);
  // The module is still healthy afterwards.
  assert.equal(e.call('status', {}).ok, true);
});

test('a pulled page of 1000 statements (~1 MB of JSON) goes in through the heap', async () => {
  // engine-worker.js passes arguments like callHeap; ccall's 'string' copies them onto the
  // 1 MiB stack and a page this size crashed the module (memory access out of bounds).
  const e = await loadEngine();
  assert.equal(e.open({ path: '/mem.db' }).ok, true);
  const statements = [];
  for (let i = 0; i < 1000; i++) {
    statements.push({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      actor: { objectType: 'Agent', account: { homePage: 'https://lms.example.org', name: 'u-1' } },
      verb: { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered' } },
      object: { objectType: 'Activity', id: `urn:trailpack:course:small:question:q${i % 5}`,
        definition: { name: { en: 'A question whose name makes the statement about a kilobyte long '.repeat(10) } } },
      timestamp: '2026-11-22T09:00:00.000Z',
    });
  }
  assert.ok(JSON.stringify({ statements }).length > 900000);
  const r = e.callHeap('sync.ingest', { statements, cursor: 1000 });
  assert.deepEqual(r, { ok: true, result: { added: 1000, rejected: 0 }, wrote: true });
  assert.equal(e.call('status', {}).result.statements, 1000);
});

test('a store on a real file keeps its statements across engine instances', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-wasm-'));
  try {
    const course = JSON.parse(fs.readFileSync(path.join(TESTS, 'fixtures', 'course-small.json'), 'utf8'));
    const first = await loadEngine();
    first.module.FS.mkdir('/data');
    first.module.FS.mount(first.module.FS.filesystems.NODEFS, { root: dir }, '/data');
    assert.equal(first.open({ path: '/data/learner.db' }).result.integrity, 'ok');
    first.call('profile.set', { home_page: 'https://lms.example.org', account: 'u-1', name: 'Ann' });
    first.call('course.install', { course });
    assert.equal(first.call('card.complete', { course_id: 'small', item_id: 'intro' }).result.saved, true);
    first.close();

    const second = await loadEngine();
    second.module.FS.mkdir('/data');
    second.module.FS.mount(second.module.FS.filesystems.NODEFS, { root: dir }, '/data');
    const opened = second.open({ path: '/data/learner.db' });
    assert.equal(opened.result.integrity, 'ok');
    assert.equal(opened.result.statements, 1);
    assert.equal(opened.result.unsynced, 1);
    const p = second.call('progress.get', { course_id: 'small' }).result;
    assert.equal(p.items[0].status, 'completed');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function nativeRunner() {
  const candidates = [process.env.TRAILPACK_SCENARIO_BIN,
    path.join(ROOT, 'build', 'native-debug', 'tests', 'trailpack_scenario'),
    path.join(ROOT, 'build', 'native-release', 'tests', 'trailpack_scenario')].filter(Boolean);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error('no native scenario runner: build the native tests first');
  return found;
}

function normalise(v) {
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'db_bytes').map(([k, x]) => [k, normalise(x)]));
  return v;
}

for (const file of fs.readdirSync(path.join(TESTS, 'scenarios')).filter((f) => f.endsWith('.json'))) {
  const scenario = JSON.parse(fs.readFileSync(path.join(TESTS, 'scenarios', file), 'utf8'));
  test(`scenario ${file}: the wasm build gives the native build's exact transcript`, async () => {
    const e = await loadEngine();
    assert.equal(e.open({ path: '/scenario.db', deterministic: { start_ms: scenario.start_ms, seed: scenario.seed } }).ok, true);
    const vars = {};
    const transcript = [];
    for (const step of scenario.steps) {
      const r = e.call(step.method, substitute(step.args || {}, vars));
      const entry = { method: step.method, ok: r.ok };
      if (r.ok) {
        entry.result = r.result;
        for (const [k, field] of Object.entries(step.save || {})) vars[k] = r.result[field];
      } else {
        entry.error = { code: r.error.code, message: r.error.message, where: r.error.where || '' };
      }
      transcript.push(entry);
    }
    let nativeOut;
    try {
      nativeOut = execFileSync(nativeRunner(), [path.join(TESTS, 'scenarios', file)], { encoding: 'utf8' });
    } catch (err) {
      nativeOut = err.stdout;
    }
    const native = JSON.parse(nativeOut);
    assert.deepEqual(native.failures, [], 'the scenario holds natively');
    assert.deepEqual(normalise(transcript), native.transcript);
  });
}
