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
