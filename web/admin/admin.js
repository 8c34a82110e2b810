// The console (first slice): sign in, then learners and their progress per course,
// refreshed every few seconds. The session token lives in sessionStorage for this tab only.
const main = document.getElementById('main');
const who = document.getElementById('who');
const TOKEN_KEY = 'trailpack.console.token';

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, Object.assign({}, options, {
    headers: Object.assign({ 'content-type': 'application/json' }, token ? { authorization: 'Bearer ' + token } : {}, options.headers || {}),
  }));
  const data = await res.json().catch(() => null);
  if (res.status === 401) { sessionStorage.removeItem(TOKEN_KEY); }
  if (!res.ok) throw Object.assign(new Error((data && data.error && data.error.message) || res.statusText), { status: res.status });
  return data;
}

function login(message) {
  who.textContent = '';
  const email = h('input', { id: 'email', type: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const msg = h('p', { class: 'error', role: 'alert' }, message || '');
  const form = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const res = await api('/api/v1/auth/login', { method: 'POST', body: JSON.stringify({ email: email.value, password: password.value }) });
      sessionStorage.setItem(TOKEN_KEY, res.token);
      sessionStorage.setItem(TOKEN_KEY + '.user', JSON.stringify(res.user));
      learners();
    } catch (err) { msg.textContent = err.message; }
  } }, h('h1', {}, 'Sign in'), h('label', { for: 'email' }, 'Email'), email, h('label', { for: 'password' }, 'Password'), password, msg,
  h('button', { type: 'submit' }, 'Sign in'));
  main.replaceChildren(form);
  email.focus();
}

const pct = (x) => (x === null || x === undefined ? '—' : Math.round(x * 100) + '%');
const when = (ms) => (ms ? new Date(ms).toLocaleString() : '—');

let timer = null;
async function learners() {
  clearTimeout(timer);
  const user = JSON.parse(sessionStorage.getItem(TOKEN_KEY + '.user') || 'null');
  who.textContent = user ? `${user.name} (${user.role})` : '';
  let data;
  try { data = await api('/api/v1/admin/learners'); } catch (err) {
    if (err.status === 401) return login('Your session ended; sign in again.');
    main.replaceChildren(h('p', { class: 'error', role: 'alert' }, err.message));
    timer = setTimeout(learners, 5000);
    return;
  }
  const rows = [];
  for (const l of data.learners) {
    const courses = l.courses.length ? l.courses : [null];
    courses.forEach((c, i) => rows.push(h('tr', { 'data-learner': l.id, 'data-course': c ? c.course_id : '' },
      i === 0 ? h('td', { rowspan: String(courses.length) }, h('strong', {}, l.name), h('br'), h('span', { class: 'muted' }, l.email)) : null,
      h('td', {}, c ? c.title : h('span', { class: 'muted' }, 'No activity yet')),
      h('td', { class: 'completion' }, c ? h('div', { class: 'bar-cell' }, h('div', { class: 'meter', 'aria-hidden': 'true' }, (() => { const s = h('span'); s.style.width = `${Math.round(c.completion * 100)}%`; return s; })()), pct(c.completion), c.completed ? ' ✓' : '') : '—'),
      h('td', { class: 'score' }, c ? pct(c.best_score) : '—'),
      i === 0 ? h('td', { rowspan: String(courses.length) }, String(l.statements)) : null,
      i === 0 ? h('td', { rowspan: String(courses.length) }, when(l.last_sync)) : null)));
  }
  main.replaceChildren(
    h('h1', {}, 'Learners'),
    h('p', { class: 'muted' }, 'Progress comes from the answers devices have synced. This page refreshes every 5 seconds.'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'learners' },
      h('caption', { class: 'muted' }, `${data.learners.length} learners`),
      h('thead', {}, h('tr', {}, ['Learner', 'Course', 'Completion', 'Best score', 'Statements', 'Last sync'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows))),
    h('button', { class: 'secondary', onclick: async () => { await api('/api/v1/auth/logout', { method: 'POST' }).catch(() => {}); sessionStorage.clear(); login(); } }, 'Sign out'));
  timer = setTimeout(learners, 5000);
}

if (sessionStorage.getItem(TOKEN_KEY)) learners(); else login();
