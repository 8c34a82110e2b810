// Shared helpers for console pages: DOM building, the API client, formatting.
export const TOKEN_KEY = 'trailpack.console.token';

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'style') Object.assign(el.style, v);  // CSSOM: the CSP forbids style attributes
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export function currentUser() {
  try { return JSON.parse(sessionStorage.getItem(TOKEN_KEY + '.user') || 'null'); } catch { return null; }
}

/** Calls the server API with the console session; throws an Error with status/code. */
export async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = Object.assign({}, token ? { authorization: 'Bearer ' + token } : {}, options.headers || {});
  if (options.body !== undefined && typeof options.body === 'string' && !headers['content-type']) headers['content-type'] = 'application/json';
  const res = await fetch(path, Object.assign({}, options, { headers }));
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (res.status === 401) sessionStorage.removeItem(TOKEN_KEY);
  if (!res.ok) {
    const err = (data && data.error) || {};
    throw Object.assign(new Error(err.message || res.statusText), { status: res.status, code: err.code, where: err.where });
  }
  return data;
}

/** A horizontally scrollable wrapper for a wide table: focusable and named, so keyboard
 *  users can scroll it too (axe: scrollable-region-focusable). */
export function tableWrap(label, table) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label }, table);
}

export const pct = (x) => (x === null || x === undefined ? '—' : Math.round(x * 100) + '%');
export const when = (ms) => (ms ? new Date(ms).toLocaleString() : '—');

export const day = (ms) => (ms ? new Date(ms).toLocaleDateString() : '—');

let uid = 0;
/** A labelled form control: returns [label, control] with matching ids. */
export function field(label, control) {
  if (!control.id) control.id = 'f' + (++uid);
  return [h('label', { for: control.id }, label), control];
}

/** A <select> of [value, label] pairs. */
export function select(options, selected, attrs = {}) {
  return h('select', attrs, options.map(([v, l]) => h('option', { value: v, selected: v === selected ? true : undefined }, l)));
}

/** A status line for a form: set(message, isError). */
export function statusLine() {
  const el = h('p', { role: 'status', class: 'muted' });
  el.set = (message, isError) => { el.textContent = message || ''; el.className = isError ? 'error' : 'muted'; };
  return el;
}

/** Runs an API call from a button or form, reporting success or the server's message. */
export async function act(status, fn, done) {
  try {
    const out = await fn();
    if (done) status.set(typeof done === 'function' ? done(out) : done, false);
    return out;
  } catch (err) {
    status.set(err.where ? `${err.message} (${err.where})` : err.message, true);
    return undefined;
  }
}

export const isAdmin = (user) => user && user.role === 'admin';
const SVG_NS = 'http://www.w3.org/2000/svg';

/** Like h() for SVG elements (attributes only; no event handlers or styles). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null && v !== false) el.setAttribute(k, String(v));
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** A query string from an object, leaving out empty values ("" when nothing is left). */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? '?' + s : '';
}

/** Downloads an API path's CSV export (the session token is a header, so no plain link). */
export async function downloadCsv(path, filename) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const sep = path.includes('?') ? '&' : '?';
  const res = await fetch(path + sep + 'format=csv', { headers: token ? { authorization: 'Bearer ' + token } : {} });
  if (!res.ok) {
    const data = await res.json().catch(() => null);
    throw Object.assign(new Error((data && data.error && data.error.message) || res.statusText), { status: res.status });
  }
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** A button that downloads a CSV export and reports failures next to it. */
export function csvButton(label, path, filename) {
  const status = h('span', { class: 'muted', role: 'status' });
  const button = h('button', { type: 'button', class: 'secondary small', onclick: async () => {
    status.textContent = '';
    try { await downloadCsv(path, filename); } catch (err) { status.textContent = 'Export failed: ' + err.message; }
  } }, label);
  return h('span', { class: 'csv' }, button, status);
}

export const num = (x, digits = 0) => (x === null || x === undefined ? '—' : Number(x).toLocaleString(undefined, { maximumFractionDigits: digits }));
export const score = (x) => (x === null || x === undefined ? '—' : (x * 100).toFixed(0) + '%');
/** A duration in ms as "1 h 5 min", "4 min 30 s", "12 s". */
export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `${hrs} h ${m % 60} min`;
  return `${Math.round(hrs / 24)} d`;
}
/** YYYY-MM-DD of a Date in UTC. */
export const isoDay = (d) => d.toISOString().slice(0, 10);
