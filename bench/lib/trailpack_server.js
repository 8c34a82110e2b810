// A release `trailpack serve` on 127.0.0.1 with a fresh database (SQLite file or a new
// PostgreSQL database), learners and enrolled devices, for the server benchmarks.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { ROOT, sleep } = require('./common.js');

function releaseBinary() {
  const p = process.env.TRAILPACK_RELEASE_BIN || path.join(ROOT, 'build', 'native-release', 'sync', 'trailpack');
  if (!fs.existsSync(p)) throw new Error(`no release server at ${p}: run scripts/build native-release`);
  return p;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

/** A fresh PostgreSQL database on the cluster of scripts/with-postgres, or null without one. */
function postgresDatabase(name) {
  const admin = process.env.TRAILPACK_TEST_PG_ADMIN_URL;
  if (!admin) return null;
  execFileSync('psql', [admin, '-qc', `DROP DATABASE IF EXISTS ${name}`, '-c', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
  const u = new URL(admin);
  u.pathname = '/' + name;
  return u.toString();
}

class BenchServer {
  constructor({ backend = 'sqlite', name = 'bench' } = {}) {
    this.bin = releaseBinary();
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trailpack-bench-'));
    this.backend = backend;
    this.db = backend === 'postgres' ? postgresDatabase(name) : path.join(this.dir, 'trailpack.db');
    if (!this.db) throw new Error('PostgreSQL needs scripts/with-postgres (TRAILPACK_TEST_PG_ADMIN_URL)');
    this.admin = { email: 'admin@example.com', password: 'admin-pass-1' };
  }

  cli(...args) { return execFileSync(this.bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }); }

  async start({ webRoot } = {}) {
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    this.cli('init', '--db', this.db, '--admin-email', this.admin.email, '--admin-password', this.admin.password);
    const log = fs.openSync(path.join(this.dir, 'server.log'), 'a');
    const args = ['serve', '--db', this.db, '--bind', '127.0.0.1', '--port', String(this.port), '--public-url', this.url,
      '--web-root', webRoot || path.join(ROOT, 'build', 'site'), '--log-level', 'warn'];
    this.proc = spawn(this.bin, args, { stdio: ['ignore', log, log] });
    for (let i = 0; i < 200; i++) {
      try { if ((await fetch(this.url + '/readyz')).ok) return this; } catch { /* not yet */ }
      if (this.proc.exitCode !== null) break;
      await sleep(50);
    }
    throw new Error('server did not start: ' + fs.readFileSync(path.join(this.dir, 'server.log'), 'utf8').slice(-1000));
  }

  /** `learners` users with `devicesEach` enrolled devices: [{user, token, device_id}]. */
  async devices(learners, devicesEach) {
    const out = [];
    for (let i = 0; i < learners; i++) {
      const u = JSON.parse(this.cli('users', 'add', '--db', this.db, '--email', `learner${i}@example.com`, '--name', `Learner ${i}`,
        '--enrollment-code', '--json'));
      for (let d = 0; d < devicesEach; d++) {
        const res = await fetch(this.url + '/api/v1/auth/enroll', { method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: u.enrollment_code, device_name: `bench ${i}.${d}` }) });
        const body = await res.json();
        if (!res.ok) throw new Error('enroll failed: ' + JSON.stringify(body));
        out.push({ user: u.id, token: body.access_token, device_id: body.device_id, home_page: body.home_page });
      }
    }
    return out;
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      const done = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      await done;
    }
  }

  async close() { await this.stop(); fs.rmSync(this.dir, { recursive: true, force: true }); }
}

module.exports = { BenchServer, freePort, releaseBinary, postgresDatabase };
