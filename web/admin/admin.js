// The console shell: sign-in, navigation between pages, the session. Each page is an ES
// module in pages/ exporting {title, render(main, ctx), roles?, hidden?}; add it to PAGES.
// Routes are #/<page>/<param>...?<query>: ctx.params holds the path parts, ctx.query the
// query (so a filtered dashboard can be bookmarked). Hidden pages are not in the menu.
import { h, api, currentUser, TOKEN_KEY } from './lib.js';
import * as dashboard from './pages/dashboard.js';
import * as learners from './pages/learners.js';
import * as people from './pages/people.js';
import * as assignments from './pages/assignments.js';
import * as reminders from './pages/reminders.js';
import * as importPage from './pages/import.js';
import * as learner from './pages/learner.js';

const PAGES = [
  { id: 'dashboard', module: dashboard },
  { id: 'learners', module: learners },
  { id: 'people', module: people },
  { id: 'assignments', module: assignments },
  { id: 'reminders', module: reminders },
  { id: 'import', module: importPage },
  { id: 'learner', module: learner },
];

const main = document.getElementById('main');
const who = document.getElementById('who');
const nav = document.getElementById('nav');
let timer = null;
// Each route() renders into a fresh element and a new generation: a page still loading
// when the user moves on writes into its own detached element, never over the new page.
let generation = 0;

function login(message) {
  clearTimeout(timer);
  generation++;
  who.textContent = '';
  nav.replaceChildren();
  const email = h('input', { id: 'email', type: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const msg = h('p', { class: 'error', role: 'alert' }, message || '');
  const form = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const res = await api('/api/v1/auth/login', { method: 'POST', body: JSON.stringify({ email: email.value, password: password.value }) });
      sessionStorage.setItem(TOKEN_KEY, res.token);
      sessionStorage.setItem(TOKEN_KEY + '.user', JSON.stringify(res.user));
      route();
    } catch (err) { msg.textContent = err.message; }
  } }, h('h1', {}, 'Sign in'), h('label', { for: 'email' }, 'Email'), email, h('label', { for: 'password' }, 'Password'), password, msg,
  h('button', { type: 'submit' }, 'Sign in'));
  main.replaceChildren(form);
  email.focus();
}

function visiblePages(user) {
  return PAGES.filter((p) => !p.module.roles || p.module.roles.includes(user.role));
}

async function route() {
  clearTimeout(timer);
  const user = currentUser();
  if (!sessionStorage.getItem(TOKEN_KEY) || !user) return login();
  who.replaceChildren(`${user.name} (${user.role}) `, h('button', { class: 'secondary small', onclick: async () => {
    await api('/api/v1/auth/logout', { method: 'POST' }).catch(() => {});
    sessionStorage.clear();
    login();
  } }, 'Sign out'));
  const pages = visiblePages(user);
  const [path, search] = location.hash.replace(/^#\/?/, '').split('?');
  const wanted = path.split('/')[0] || pages[0].id;
  const page = pages.find((p) => p.id === wanted) || pages[0];
  const current = page.module.hidden ? pages.find((p) => p.id === page.module.parent) : page;
  nav.replaceChildren(...pages.filter((p) => !p.module.hidden)
    .map((p) => h('a', { href: '#/' + p.id, 'aria-current': p === current ? 'page' : undefined }, p.module.title)));
  document.title = page.module.title + ' · Trailpack console';
  const mine = ++generation;
  const view = h('div', { class: 'view' });
  main.replaceChildren(view);
  const ctx = {
    user,
    params: path.split('/').slice(1).map(decodeURIComponent),
    query: new URLSearchParams(search || ''),
    refreshIn: (ms) => { if (mine === generation) { clearTimeout(timer); timer = setTimeout(route, ms); } },
    fail: (err) => {
      if (mine !== generation) return;
      if (err.status === 401) return login('Your session ended; sign in again.');
      view.replaceChildren(h('p', { class: 'error', role: 'alert' }, err.message));
    },
  };
  await page.module.render(view, ctx);
}

window.addEventListener('hashchange', route);
route();
