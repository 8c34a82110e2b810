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
