// Test harness: a real `trailpack serve` on 127.0.0.1 with a fresh data folder, the demo
// course packed, signed and published, an admin and learners created with the CLI.
// The server can be stopped (SIGTERM or SIGKILL) and started again on the same port and
// database, as a device would see a server go away and come back.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

function findBinary() {
  if (process.env.TRAILPACK_BIN) return process.env.TRAILPACK_BIN;
  for (const preset of ['native-debug', 'native-release']) {
    const p = path.join(ROOT, 'build', preset, 'sync', 'trailpack');
    if (fs.existsSync(p)) return p;
  }
  throw new Error('no trailpack binary: run scripts/build first (or set TRAILPACK_BIN)');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on('error', reject);
  });
}

class TrailpackServer {
  /** options.site: the web root to serve (default build/site). */
  constructor(options = {}) {
    this.bin = findBinary();
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trailpack-e2e-'));
    this.db = path.join(this.dir, 'trailpack.db');
    this.site = options.site || process.env.TRAILPACK_SITE || path.join(ROOT, 'build', 'site');
    this.admin = { email: 'admin@example.com', password: 'admin-pass-1' };
    this.proc = null;
  }

  cli(...args) {
    return execFileSync(this.bin, args, { encoding: 'utf8', env: Object.assign({}, process.env, { ASAN_OPTIONS: 'detect_leaks=0' }) });
  }

  /** `serveArgs`: extra `trailpack serve` flags (e.g. ['--cors-origin', origin]). */
  async setup({ courses = ['safety-basics'], serveArgs = [] } = {}) {
    this.serveArgs = serveArgs;
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    this.cli('keygen', '-o', path.join(this.dir, 'publisher'));
    this.cli('init', '--db', this.db, '--admin-email', this.admin.email, '--admin-password', this.admin.password);
    this.cli('keys', 'trust', '--db', this.db, path.join(this.dir, 'publisher.pub'));
    this.cli('xapi-clients', 'add', '--db', this.db, '--key', 'e2e-key', '--secret', 'e2e-secret', '--scope', 'all');
    this.bundles = [];
    for (const c of courses) {
      const out = path.join(this.dir, c + '.tpk');
      this.cli('pack', path.join(ROOT, 'tests', 'fixtures', 'courses', c), '-o', out, '--key', path.join(this.dir, 'publisher.key'));
      this.bundles.push(out);
    }
    await this.start();
    for (const b of this.bundles)
      this.cli('publish', b, '--server', this.url, '--email', this.admin.email, '--password', this.admin.password);
    return this;
  }

  /** Packs an author's course folder with this server's publisher key; returns the .tpk path. */
  pack(courseDir, name) {
    const out = path.join(this.dir, (name || path.basename(courseDir)) + '.tpk');
    this.cli('pack', courseDir, '-o', out, '--key', path.join(this.dir, 'publisher.key'));
    return out;
  }

  publish(tpk) {
    return this.cli('publish', tpk, '--server', this.url, '--email', this.admin.email, '--password', this.admin.password);
  }

  learner(email, name) {
    const out = JSON.parse(this.cli('users', 'add', '--db', this.db, '--email', email, '--name', name, '--enrollment-code', '--json'));
    return out;  // {id, email, role, enrollment_code}
  }

  async start() {
    this.log = fs.openSync(path.join(this.dir, 'server.log'), 'a');
    this.proc = spawn(this.bin, ['serve', '--db', this.db, '--bind', '127.0.0.1', '--port', String(this.port),
      '--public-url', this.url, '--web-root', this.site, '--log-level', 'warn', ...(this.serveArgs || [])],
    { stdio: ['ignore', this.log, this.log], env: Object.assign({}, process.env, { ASAN_OPTIONS: 'detect_leaks=0' }) });
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    for (let i = 0; i < 300; i++) {
      try {
        const res = await fetch(this.url + '/readyz');
        if (res.ok) return;
      } catch { /* not yet */ }
      if (this.proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10))]);
    throw new Error('server did not start:\n' + fs.readFileSync(path.join(this.dir, 'server.log'), 'utf8').slice(-2000));
  }

  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null) return;
    const done = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.kill(signal);
    await done;
    this.proc = null;
  }

  async api(method, p, { token, basic, body, headers } = {}) {
    const h = Object.assign({}, headers || {});
    if (token) h.authorization = 'Bearer ' + token;
    if (basic) h.authorization = 'Basic ' + Buffer.from(basic).toString('base64');
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(this.url + p, { method, headers: h, body: body !== undefined ? JSON.stringify(body) : undefined });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text };
  }

  async adminToken() {
    const res = await this.api('POST', '/api/v1/auth/login', { body: this.admin });
    return res.json.token;
  }

  /** Every statement the LRS holds for one learner (walks `more`). */
  async statementsOf(userId) {
    const agent = JSON.stringify({ objectType: 'Agent', account: { homePage: this.url, name: userId } });
    let next = '/xapi/statements?limit=500&agent=' + encodeURIComponent(agent);
    const out = [];
    while (next) {
      const res = await this.api('GET', next, { basic: 'e2e-key:e2e-secret', headers: { 'X-Experience-API-Version': '1.0.3' } });
      if (res.status !== 200) throw new Error('xAPI query failed: ' + res.text);
      out.push(...res.json.statements);
      next = res.json.more || '';
    }
    return out;
  }

  async close() {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

module.exports = { TrailpackServer, ROOT, freePort };
