// docs/reliability.md and docs/security.md promise that each guarantee and each
// mitigation names the test that proves it. This keeps that promise true as tests are
// renamed or removed: every row of their "proven by" tables must name at least one test,
// and every test, file or name prefix a row names must exist under tests/.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const DOCS = ['docs/reliability.md', 'docs/security.md'];

function walk(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== 'node_modules' && e.name !== 'corpus') walk(p, out); } else out.push(p);
  }
  return out;
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Every test name under tests/: Catch2 TEST_CASE names, and node:test names, whose
// template parts (`${n} trials`) match anything.
function testNames() {
  const files = walk(path.join(root, 'tests'));
  const catch2 = new Set();
  const node = [];
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    if (/\.(cpp|hpp)$/.test(f)) {
      for (const m of text.matchAll(/TEST_CASE\(\s*"((?:[^"\\]|\\.)*)"/g)) catch2.add(m[1].replace(/\\(.)/g, '$1'));
    } else if (/\.test\.js$/.test(f)) {
      for (const m of text.matchAll(/\b(?:test|it)\(\s*(['"`])((?:(?!\1)[^\\]|\\.)*)\1/g)) {
        const parts = m[2].split(/\$\{[^}]*\}/).map(escapeRe);
        node.push({ file: path.relative(root, f), re: new RegExp('^' + parts.join('.+') + '$') });
      }
    }
  }
  return { catch2, node };
}

// The rows of every table whose last column is headed "proven by".
function provenByRows(doc) {
  const rows = [];
  let header = null;
  fs.readFileSync(path.join(root, doc), 'utf8').split('\n').forEach((line, i) => {
    if (!line.startsWith('|')) { header = null; return; }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (!header) { header = cells; return; }
    if (/^-+$/.test(cells[0])) return;
    if (header[header.length - 1].toLowerCase() !== 'proven by') return;
    rows.push({ where: `${doc}:${i + 1} (${cells[0].slice(0, 60)})`, cell: cells[cells.length - 1] });
  });
  return rows;
}

// The files a cell names: tests/... paths (globs allowed) and fuzz_<target>[.cpp].
function namedFiles(cell) {
  const names = [...cell.matchAll(/tests\/[\w/.*-]+\w/g)].map((m) => m[0]);
  for (const m of cell.matchAll(/(?<![\w/])fuzz_[a-z_]+(?:\.cpp)?/g)) {
    names.push(`tests/fuzz/${m[0].endsWith('.cpp') ? m[0] : m[0] + '.cpp'}`);
  }
  return names;
}

function fileExists(name) {
  if (!name.includes('*')) return fs.existsSync(path.join(root, name));
  const dir = path.dirname(name);
  const re = new RegExp('^' + path.basename(name).split('*').map(escapeRe).join('.*') + '$');
  return fs.existsSync(path.join(root, dir)) && fs.readdirSync(path.join(root, dir)).some((f) => re.test(f));
}

const { catch2, node } = testNames();

// A backticked name of four words or more is a test name; "…" in it stands for a number.
function findTest(name) {
  if (catch2.has(name)) return true;
  const sample = name.replace(/…/g, '7');
  return node.some((t) => t.re.test(sample)) ||
    (name.includes('…') && [...catch2].some((c) => new RegExp('^' + name.split('…').map(escapeRe).join('.+') + '$').test(c)));
}

test('the test lists were found', () => {
  assert.ok(catch2.size >= 250, `only ${catch2.size} Catch2 test names found under tests/`);
  assert.ok(node.length >= 30, `only ${node.length} node test names found under tests/`);
});

for (const doc of DOCS) {
  test(`${doc}: every guarantee or mitigation names a test, and each test it names exists`, () => {
    const rows = provenByRows(doc);
    assert.ok(rows.length >= 10, `${doc}: only ${rows.length} rows in its "proven by" tables`);
    const problems = [];
    for (const { where, cell } of rows) {
      let tests = 0;
      for (const m of cell.matchAll(/(``?)(.+?)\1/g)) {
        const span = m[2].trim();
        if (/^[\w ]+:$/.test(span)) {  // a family of tests: `limits:`
          if ([...catch2].some((c) => c.startsWith(span + ' '))) tests++;
          else problems.push(`${where}: no Catch2 test name starts with "${span}"`);
        } else if (span.split(/\s+/).length >= 4) {
          if (findTest(span)) tests++;
          else problems.push(`${where}: no test is named "${span}"`);
        }
      }
      for (const f of namedFiles(cell)) {
        if (fileExists(f)) tests++;
        else problems.push(`${where}: ${f} does not exist`);
      }
      if (tests === 0) problems.push(`${where}: names no test`);
    }
    assert.deepEqual(problems, []);
  });
}
