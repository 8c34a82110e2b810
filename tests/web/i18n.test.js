// Catalogue coverage: every UI string exists in every language with the same
// placeholders and plural forms, and every key the code uses is in the catalogue.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const WEB = path.resolve(__dirname, '..', '..', 'web', 'app');

async function catalogue() {
  const mod = await import(path.join(WEB, 'i18n.js'));
  return mod.catalogue;
}

const placeholders = (v) => [...new Set((typeof v === 'string' ? [v] : Object.values(v)).flatMap((s) => s.match(/\{\w+\}/g) || []))].sort();

test('every language has every key, with the same placeholders and plural forms', async () => {
  const cat = await catalogue();
  const langs = Object.keys(cat);
  assert.deepEqual(langs.sort(), ['en', 'fr']);
  for (const a of langs) for (const b of langs) {
    const missing = Object.keys(cat[a]).filter((k) => !(k in cat[b]));
    assert.deepEqual(missing, [], `keys in ${a} missing from ${b}`);
  }
  for (const k of Object.keys(cat.en)) {
    assert.deepEqual(placeholders(cat.fr[k]), placeholders(cat.en[k]), `placeholders of ${k}`);
    assert.equal(typeof cat.fr[k], typeof cat.en[k], `plural shape of ${k}`);
    if (typeof cat.en[k] === 'object') assert.ok('other' in cat.en[k] && 'other' in cat.fr[k], `${k} needs an "other" form`);
    for (const l of langs) {
      const values = typeof cat[l][k] === 'string' ? [cat[l][k]] : Object.values(cat[l][k]);
      for (const v of values) assert.ok(v.trim().length > 0, `${l}.${k} is empty`);
    }
  }
});

test('every key the app uses is in the catalogue', async () => {
  const cat = await catalogue();
  const used = new Set();
  for (const file of fs.readdirSync(WEB).filter((f) => f.endsWith('.js'))) {
    const src = fs.readFileSync(path.join(WEB, file), 'utf8');
    // A literal key; a key ending in '_' is a prefix completed at run time (listed below).
    for (const m of src.matchAll(/\bt\('([a-z_]+\.[a-z_]+)'/g)) if (!m[1].endsWith('_')) used.add(m[1]);
  }
  // Keys built at run time from engine values.
  for (const r of ['previous_item', 'previous_module', 'module_locked', 'after_course', 'prerequisite']) used.add('lock.' + r);
  for (const k of ['correct', 'incorrect', 'partial']) used.add('quiz.' + k);
  for (const r of ['again', 'hard', 'good', 'easy']) used.add('cards.' + r);
  for (const s of ['opfs', 'idbfs']) used.add('account.storage_' + s);
  assert.ok(used.size > 60, `found ${used.size} keys`);
  const missing = [...used].filter((k) => !(k in cat.en));
  assert.deepEqual(missing, []);
});
