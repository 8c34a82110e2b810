// The player refuses a course file that was altered or signed by a key it does not trust,
// with a clear message, and installs nothing: one flipped byte in a course file, one in
// the signed manifest, and a bundle from an unknown publisher, imported with no network
// (the same checks as a download: every file's SHA-256 in C++, the Ed25519 signature
// with WebCrypto). Then the genuine file imports.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { TrailpackServer, ROOT } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { enroll } = require('../lib/steps.js');

const COURSE_DIR = path.join(ROOT, 'tests', 'fixtures', 'courses', 'safety-basics');

/** A copy of `tpk` with one byte changed at the first occurrence of `marker` (+ offset). */
function flipped(server, tpk, marker, offset, name) {
  const bytes = fs.readFileSync(tpk);
  const at = bytes.indexOf(marker);
  assert.ok(at > 0, `${marker} is in the bundle`);
  assert.equal(bytes.indexOf(marker, at + 1), -1, `${marker} is in one place only`);
  bytes[at + offset] ^= 0x01;
  const out = path.join(server.dir, name);
  fs.writeFileSync(out, bytes);
  return out;
}

test('the player refuses altered bundles and bundles from an unknown publisher, and installs nothing', { timeout: 180000 }, async (t) => {
  const server = await new TrailpackServer().setup({ courses: [] });
  const browser = await launch();
  t.after(async () => { await browser.close(); await server.close(); });
  const genuine = server.pack(COURSE_DIR, 'genuine');
  const badFile = flipped(server, genuine, '"modules"', 2, 'bad-file.tpk');          // inside course.json
  const badManifest = flipped(server, genuine, '"created": "2', 13, 'bad-manifest.tpk');  // a digit of the signed manifest
  server.cli('keygen', '-o', path.join(server.dir, 'stranger'));
  const stranger = path.join(server.dir, 'stranger.tpk');
  server.cli('pack', COURSE_DIR, '-o', stranger, '--key', path.join(server.dir, 'stranger.key'));

  const learner = server.learner('field@example.com', 'Field Worker');
  const page = await browser.context.newPage();
  await enroll(page, server.url, learner.enrollment_code);
  await page.getByText('No courses on this device yet.').waitFor();
  await server.stop('SIGKILL');

  const toast = page.locator('#toast');
  const refused = async (file, message) => {
    await page.evaluate(() => { document.getElementById('toast').textContent = ''; });
    await page.setInputFiles('#import-file', file);
    await page.waitForFunction(() => document.getElementById('toast').textContent !== '');
    const text = await toast.innerText();
    assert.match(text, message, `${path.basename(file)}: ${text}`);
    assert.deepEqual(await page.evaluate(() => window.__trailpack.engine.call('courses.list')), [], 'nothing installed');
  };
  await refused(badFile, /course\.json: SHA-256 does not match the manifest \(the file was altered or damaged\)/);
  await refused(badManifest, /the course manifest does not match its signature/);
  await refused(stranger, /the course is signed by a key this device does not trust \([0-9a-f]{16}\)/);
  assert.equal(await page.getByText('No courses on this device yet.').count(), 1);

  // The genuine file goes in.
  await page.setInputFiles('#import-file', genuine);
  await page.getByText('Course imported: Workplace safety basics').waitFor();
  assert.equal((await page.evaluate(() => window.__trailpack.engine.call('courses.list'))).length, 1);
  assert.deepEqual(browser.errors, []);
});
