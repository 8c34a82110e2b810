// Shared helpers for the benchmarks: statistics, tables, machine load, a static file
// server for the browser benchmarks, Chromium with CDP throttling, statement bodies.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const crypto = require('node:crypto');

const ROOT = path.resolve(__dirname, '..', '..');

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** {n, p50, p95, p99, mean} of a list of milliseconds. */
function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : null;
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), mean };
}

function loadavg() { return fs.readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).map(Number); }

function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0] ? cpus[0].model : 'unknown', cores: cpus.length, memory_gib: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(), node: process.version, hostname: os.hostname() };
}

function fmt(v, digits = 1) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (Math.abs(v) >= 100) return String(Math.round(v));
  return v.toFixed(digits);
}

/** Prints a table: rows of label + one cell per column. */
function printTable(title, columns, rows, notes = []) {
  const head = ['', ...columns];
  const body = rows.map((r) => [r[0], ...r.slice(1).map((c) => fmt(c))]);
  const widths = head.map((_, i) => Math.max(...[head, ...body].map((r) => String(r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log('\n' + title);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(line(r));
  for (const n of notes) console.log('  ' + n);
}

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.json': 'application/json', '.css': 'text/css', '.svg': 'image/svg+xml' };

/** Serves `mounts` ({'/prefix/': '/dir'}) on 127.0.0.1, gzipping when asked (as a real server would). */
async function staticServer(mounts, { gzip = true } = {}) {
  const cache = new Map();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const prefix = Object.keys(mounts).filter((p) => url.pathname.startsWith(p)).sort((a, b) => b.length - a.length)[0];
    if (!prefix) { res.writeHead(404); return res.end(); }
    const file = path.join(mounts[prefix], decodeURIComponent(url.pathname.slice(prefix.length)));
    if (!file.startsWith(mounts[prefix]) || !fs.existsSync(file) || !fs.statSync(file).isFile()) { res.writeHead(404); return res.end(); }
    const type = MIME[path.extname(file)] || 'application/octet-stream';
    const headers = { 'content-type': type, 'cache-control': 'no-cache', 'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp' };
    let body = fs.readFileSync(file);
    if (gzip && /gzip/.test(req.headers['accept-encoding'] || '')) {
      const key = file + ':' + fs.statSync(file).mtimeMs;
      if (!cache.has(key)) cache.set(key, zlib.gzipSync(body, { level: 6 }));
      body = cache.get(key);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps'];

/** A fresh persistent Chromium profile (OPFS, IndexedDB, service workers survive reloads). */
async function launchChromium() {
  const { chromium } = require('playwright-core');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trailpack-bench-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS,
    viewport: { width: 390, height: 844 },
  });
  return { context, async close() { await context.close().catch(() => {}); fs.rmSync(dir, { recursive: true, force: true }); } };
}

/** Lighthouse's Slow 4G: 150 ms RTT, 1.6 Mbps down, 750 kbps up; and a CPU slowdown. */
const SLOW_4G = { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 };
async function throttle(page, { network = SLOW_4G, cpu = 4 } = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  if (network) await cdp.send('Network.emulateNetworkConditions', network);
  if (cpu) await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
  return cdp;
}

function uuid() { return crypto.randomUUID(); }
const { answerStatement } = require('./statement.js');

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

module.exports = { ROOT, stats, percentile, loadavg, machine, fmt, printTable, staticServer, launchChromium, throttle, SLOW_4G,
  uuid, answerStatement, sleep };
