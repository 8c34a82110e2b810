// Every statement the wasm engine records, checked by an xAPI validator written
// elsewhere (@learninglocker/xapi-validation, Learning Locker's): each scenario of
// tests/scenarios is replayed, then everything the engine would push (sync.pending) must
// validate with no warning.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const validate = require('@learninglocker/xapi-validation').default;
const { loadEngine, replay, ROOT } = require('./engine.js');

const SCENARIOS = path.join(ROOT, 'tests', 'scenarios');

test('the validator refuses what it should (so that a pass means something)', () => {
  const statement = {
    id: '6a1e4b5c-7d8e-4f90-a1b2-c3d4e5f60718',
    actor: { objectType: 'Agent', account: { homePage: 'https://lms.example.org', name: 'u-1' } },
    verb: { id: 'http://adlnet.gov/expapi/verbs/answered' },
    object: { objectType: 'Activity', id: 'urn:trailpack:course:small:question:q4' },
    result: { score: { scaled: 1 }, duration: 'PT4S' },
    timestamp: '2026-11-22T10:00:00.000Z',
  };
  assert.deepEqual(validate(statement), []);
  assert.equal(validate({ ...statement, timestamp: 'yesterday' }).length, 1);
  assert.equal(validate({ ...statement, result: { score: { scaled: 2 } } }).length, 1);
  assert.equal(validate({ ...statement, actor: { objectType: 'Agent', name: 'no identifier' } }).length, 1);
});

for (const file of fs.readdirSync(SCENARIOS).filter((f) => f.endsWith('.json'))) {
  const scenario = JSON.parse(fs.readFileSync(path.join(SCENARIOS, file), 'utf8'));
  test(`scenario ${file}: every statement the engine stored passes @learninglocker/xapi-validation`, async () => {
    const e = await loadEngine();
    assert.equal(e.open({ path: '/validation.db', deterministic: { start_ms: scenario.start_ms, seed: scenario.seed } }).ok, true);
    replay(e, scenario);
    let checked = 0;
    for (;;) {
      const pending = e.call('sync.pending', { limit: 500 });
      assert.equal(pending.ok, true, JSON.stringify(pending.error));
      const statements = pending.result.statements;
      if (statements.length === 0) break;
      for (const s of statements) {
        const warnings = validate(s);
        assert.deepEqual(warnings.map((w) => `${w.path.join('.')}: ${w.name} ${w.message}`), [],
          `statement ${s.id} (${s.verb.id}) is not valid xAPI:\n${JSON.stringify(s, null, 2)}`);
        checked += 1;
      }
      assert.equal(e.call('sync.ack', { ids: statements.map((s) => s.id) }).ok, true);
    }
    const expected = e.call('status', {}).result.statements;
    assert.equal(checked, expected, 'every stored statement was checked');
    assert.ok(checked > 0 || file === 'errors.json', `scenario ${file} recorded statements`);
  });
}
