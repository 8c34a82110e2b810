// The learner app: enrollment, my courses, the course outline, cards and quizzes.
// All rules live in the C++ engine (in a Worker); this file renders and passes messages.
import { EngineClient } from './engine.js';
import { h, mount } from './dom.js';
import { setLanguage, t, fmt } from './i18n.js';
import { renderBlocks } from './render.js';
import { renderQuiz } from './quiz.js';
import { renderFlashcards, renderSurvey, renderScenario } from './activities.js';
import { SyncScheduler } from './sync.js';
import { savePreview, showPreview } from './preview.js';
import { ActiveTimer } from './timer.js';

const PROFILES_KEY = 'trailpack.profiles';   // non-secret: which learners use this device
const ACTIVE_KEY = 'trailpack.active';

const view = document.getElementById('view');
const statusButton = document.getElementById('sync-status');
const toast = document.getElementById('toast');

const state = {
  engine: null,
  profile: null,
  storage: null,
  status: { unsynced: 0, last_sync: null },
  syncing: false,
  offline: false,
  signedOut: false,
};

setLanguage(navigator.language);
document.querySelector('.skip').textContent = t('nav.skip');
document.getElementById('account-label').textContent = t('account.title');

function showToast(message) {
  toast.textContent = message;
  toast.classList.add('show');
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => toast.classList.remove('show'), 4000);
}

function errorText(err) {
  if (err && err.code === 'storage_full') return t('error.storage_full');
  if (err && err.code === 'profile_busy') return t('error.profile_busy');
  return t('error.generic', { message: (err && err.message) || String(err) });
}

// ---- status -------------------------------------------------------------------------

function renderStatus() {
  const s = state.status;
  // A short label on the button; the full sentence for screen readers and on hover.
  let text, long, cls;
  if (state.signedOut) { text = long = t('status.signed_out'); cls = 'warn'; }
  else if (state.syncing) { text = long = t('status.syncing'); cls = 'busy'; }
  else if (s.unsynced > 0) {
    text = (state.offline ? t('status.short_offline') + ' · ' : '') + t('status.short_waiting', { count: s.unsynced });
    long = t('status.waiting', { count: s.unsynced }) + (state.offline ? '. ' + t('status.offline') : '');
    cls = 'pending';
  } else if (s.last_sync) {
    text = t('status.synced_at', { time: fmt.relative(s.last_sync) });
    long = t('status.saved_all') + '. ' + text;
    cls = 'ok';
  } else { text = t('status.short_saved'); long = t('status.saved_all'); cls = 'ok'; }
  statusButton.textContent = text;
  statusButton.className = 'status ' + cls;
  statusButton.title = long + ' — ' + t('action.sync_now');
  statusButton.setAttribute('aria-label', long + '. ' + t('action.sync_now'));
  statusButton.dataset.unsynced = String(s.unsynced);
  statusButton.hidden = !state.profile;
  document.getElementById('account-link').hidden = !state.profile;
  document.querySelectorAll('[data-answer-status]').forEach((el) => {
    if (s.unsynced === 0 && el.dataset.answerStatus === 'saved') {
      el.dataset.answerStatus = 'synced';
      el.textContent = '✓ ' + t('quiz.saved') + ' · ' + t('quiz.synced');
    }
  });
}

async function refreshStatus() {
  if (!state.engine || !state.profile) return;
  state.status = await state.engine.call('status');
  renderStatus();
}

// ---- fast start -----------------------------------------------------------------------

let snapshot = {};
function remember(part) {
  snapshot = Object.assign({}, snapshot, part);
  if (state.profile) savePreview(state.profile, snapshot);
}

// ---- routing ------------------------------------------------------------------------

async function route() {
  if (!state.profile) return renderEnroll();
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === 'course' && parts[1] && parts[2] === 'item' && parts[3]) return await renderItem(parts[1], parts[3]);
    if (parts[0] === 'course' && parts[1]) return await renderCourse(parts[1]);
    if (parts[0] === 'account') return await renderAccount();
    return await renderHome();
  } catch (err) {
    mount(view, h('p', { class: 'error', role: 'alert' }, errorText(err)));
  }
}

function focusView(title) {
  document.title = title ? title + ' · ' + t('app.name') : t('app.name');
  view.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

// ---- enrollment ---------------------------------------------------------------------

function renderEnroll() {
  const fromLink = (location.hash.match(/enroll=([A-Za-z0-9-]+)/) || [])[1] || '';
  // A shared device: pick a learner already enrolled here, or enroll another one.
  const known = profiles();
  if (known.length && !fromLink && !renderEnroll.adding && !sessionStorage.getItem('trailpack.adding')) {
    mount(view, h('section', { class: 'card' }, h('h1', {}, t('account.who')),
      h('ul', { class: 'profiles' }, known.map((p) => h('li', {}, h('button', { class: 'primary', onclick: () => switchTo(p.id) },
        t('account.open', { name: p.name }))))),
      h('button', { class: 'secondary', onclick: () => { renderEnroll.adding = true; renderEnroll(); } }, t('account.add'))));
    focusView(t('account.who'));
    return;
  }
  const input = h('input', { id: 'code', name: 'code', autocomplete: 'one-time-code', autocapitalize: 'characters',
    required: true, value: fromLink, spellcheck: 'false' });
  const message = h('p', { class: 'form-message', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('enroll.submit'));
  const form = h('form', { class: 'card enroll', onsubmit: async (e) => {
    e.preventDefault();
    button.disabled = true;
    button.textContent = t('enroll.working');
    message.textContent = '';
    try {
      const res = await state.engine.send('enroll', { server: location.origin, code: input.value.trim(), device_name: navigator.userAgent.slice(0, 80) });
      addProfile({ id: res.profile, name: res.user.name });
      sessionStorage.removeItem('trailpack.adding');
      state.profile = res.profile;
      state.storage = res.storage;
      history.replaceState(null, '', '#/');
      await state.engine.send('catalogue', {}).catch(() => {});
      await state.engine.send('download', {}).catch((err) => showToast(errorText(err)));
      startSync();
      await refreshStatus();
      route();
    } catch (err) {
      message.textContent = t('enroll.failed', { message: err.message });
      button.disabled = false;
      button.textContent = t('enroll.submit');
    }
  } },
  h('h1', {}, t('enroll.title')),
  state.wiped ? h('p', { class: 'warn-panel card', role: 'alert' }, t('enroll.wiped')) : null,
  h('p', {}, t('enroll.intro')),
  h('label', { for: 'code' }, t('enroll.code')), input, message, button);
  mount(view, form);
  focusView(t('enroll.title'));
  if (!fromLink) input.focus();
}

function profiles() {
  try { return JSON.parse(localStorage.getItem(PROFILES_KEY)) || []; } catch { return []; }
}

function addProfile(p) {
  const list = profiles().filter((x) => x.id !== p.id);
  list.push(p);
  localStorage.setItem(PROFILES_KEY, JSON.stringify(list));
  localStorage.setItem(ACTIVE_KEY, p.id);
}

// ---- home ---------------------------------------------------------------------------

async function renderHome() {
  const [courses, due] = await Promise.all([state.engine.call('courses.list'), state.engine.call('reviews.due')]);
  remember({ home: courses.map((c) => ({ id: c.id, title: c.title, language: c.language, completion: c.completion, completed: c.completed })) });
  const today = h('ul', { class: 'today' });
  for (const d of due.decks)
    today.append(h('li', {}, h('a', { href: `#/course/${encodeURIComponent(d.course_id)}/item/${encodeURIComponent(d.item_id)}` },
      t('home.reviews_due', { count: d.due }) + ' · ' + d.title)));
  for (const s of due.cold_surveys.filter((x) => x.due))
    today.append(h('li', {}, h('a', { href: `#/course/${encodeURIComponent(s.course_id)}/item/${encodeURIComponent(s.item_id)}` },
      t('home.followup_due', { title: s.title }))));
  // What the server offers that is not on the device (or newer), with sizes, before any download.
  const offered = (await state.engine.call('app.get', { key: 'catalogue' })) || [];
  const installed = Object.fromEntries(courses.map((c) => [c.id, c.version]));
  const available = offered.filter((c) => !(installed[c.id] >= c.version));
  const availableList = h('ul', { class: 'course-list available' }, available.map((c) => {
    const progress = h('progress', { max: String(c.bytes || 1), value: '0', hidden: true, 'aria-label': c.title });
    const button = h('button', { class: 'secondary', onclick: async () => {
      button.disabled = true;
      progress.hidden = false;
      const off = state.engine.on('download', (s) => {
        if (s.course !== c.id) return;
        if (s.phase === 'start') progress.max = String(Math.max(1, s.download_bytes));
        if (s.done_bytes !== undefined) progress.value = String(s.done_bytes);
      });
      try { await state.engine.send('download', { only: c.id }); } catch (err) { showToast(errorText(err)); }
      off();
      route();
    } }, t(installed[c.id] ? 'home.update_one' : 'home.download_one', { size: fmt.bytes(c.bytes) }));
    return h('li', { class: 'card course', lang: c.language, dataset: { course: c.id } }, h('h3', {}, c.title), progress, button);
  }));
  const list = h('ul', { class: 'course-list' });
  for (const c of courses) {
    const label = c.completed ? t('home.review') : c.completion > 0 ? t('home.continue') : t('home.start');
    const target = c.resume_item ? `#/course/${encodeURIComponent(c.id)}/item/${encodeURIComponent(c.resume_item)}` : `#/course/${encodeURIComponent(c.id)}`;
    list.append(h('li', { class: 'card course', lang: c.language },
      h('h2', {}, h('a', { href: `#/course/${encodeURIComponent(c.id)}` }, c.title)),
      c.description ? h('p', { class: 'muted' }, c.description) : null,
      h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
        'aria-valuenow': String(Math.round(c.completion * 100)), 'aria-label': t('home.progress', { percent: fmt.percent(c.completion) }) },
      h('span', { style: { width: `${Math.round(c.completion * 100)}%` } })),
      h('p', { class: 'meta meta-row' },
        h('span', {}, c.completed ? '✓ ' + t('home.completed') : t('home.progress', { percent: fmt.percent(c.completion) })),
        h('span', { class: 'offline-ready' }, t('home.offline_ready') + (c.bytes ? ' · ' + fmt.bytes(c.bytes) : ''))),
      h('a', { class: 'button primary', href: target }, label)));
  }
  const download = h('button', { class: 'secondary', onclick: async () => {
    download.disabled = true;
    try { await state.engine.send('download', {}); } catch (err) { showToast(errorText(err)); }
    download.disabled = false;
    route();
  } }, t('home.download'));
  const storageLine = h('p', { class: 'muted small' });
  if (navigator.storage && navigator.storage.estimate) {
    Promise.all([navigator.storage.estimate(), navigator.storage.persisted ? navigator.storage.persisted() : false]).then(([est, persisted]) => {
      storageLine.textContent = t('home.storage', { used: fmt.bytes(est.usage || 0), quota: fmt.bytes(est.quota || 0) }) + ' · ' +
        (persisted ? t('home.storage_protected') : t('home.storage_unprotected'));
    });
  }
  mount(view, 
    today.children.length ? h('section', { 'aria-labelledby': 'today-title' }, h('h2', { id: 'today-title' }, t('home.today')), today) : null,
    h('h1', {}, t('home.title')), courses.length ? list : h('p', { class: 'muted' }, t('home.empty')),
    available.length ? h('section', { 'aria-labelledby': 'available-title' }, h('h2', { id: 'available-title' }, t('home.available')), availableList) : null,
    h('div', { class: 'actions' }, download, importButton()), storageLine);
  focusView(t('home.title'));
}

// A course file carried on a card or stick: checked like a download, no network needed.
function importButton() {
  const input = h('input', { type: 'file', accept: '.tpk,application/x-tar', class: 'visually-hidden', id: 'import-file',
    onchange: async () => {
      const file = input.files && input.files[0];
      if (!file) return;
      try {
        const bytes = await file.arrayBuffer();
        const res = await state.engine.send('import', { bytes }, [bytes]);
        showToast(t('home.import_done', { title: res.title }));
        route();
      } catch (err) { showToast(errorText(err)); }
      input.value = '';
    } });
  return h('span', {}, input, h('label', { for: 'import-file', class: 'button secondary', role: 'button', tabindex: '0',
    onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); } } }, t('home.import')));
}

// ---- course outline ----------------------------------------------------------------

function lockText(reason, course) {
  if (!reason) return '';
  if (reason.startsWith('prerequisite:')) {
    const id = reason.slice('prerequisite:'.length);
    const m = course.modules.find((x) => x.id === id);
    return t('lock.prerequisite', { name: m ? m.title : id });
  }
  return t('lock.' + reason);
}

async function renderCourse(courseId) {
  const { course, progress } = await state.engine.call('course.get', { course_id: courseId });
  setLanguage(navigator.language);
  const byId = Object.fromEntries(progress.items.map((i) => [i.id, i]));
  const outline = h('ol', { class: 'outline' });
  for (const m of course.modules) {
    const mp = progress.modules.find((x) => x.id === m.id) || {};
    const items = h('ol', { class: 'items' });
    for (const it of m.items) {
      const p = byId[it.id] || {};
      const status = p.locked ? t('course.locked') : p.status === 'completed' ? t('course.done') : p.status === 'in_progress' ? t('course.in_progress') : t('course.todo');
      const why = p.lock_reason === 'module_locked' ? null : lockText(p.lock_reason, course);
      const link = p.locked
        ? h('span', { class: 'item locked', 'aria-disabled': 'true' }, h('span', { class: 'title' }, it.title), why ? h('span', { class: 'why' }, why) : null)
        : h('a', { class: 'item', href: `#/course/${encodeURIComponent(course.id)}/item/${encodeURIComponent(it.id)}` }, h('span', { class: 'title' }, it.title));
      items.append(h('li', { class: 'status-' + (p.locked ? 'locked' : p.status) }, link, h('span', { class: 'badge' }, status)));
    }
    outline.append(h('li', {}, h('h2', {}, m.title),
      mp.locked ? h('p', { class: 'module-lock' }, lockText(mp.lock_reason === 'previous_module' ? 'previous_module' : mp.lock_reason, course)) : null,
      items));
  }
  mount(view, 
    h('a', { class: 'back', href: '#/' }, '← ' + t('course.back')),
    h('h1', { lang: course.language }, course.title),
    progress.completed ? h('p', { class: 'done-banner' }, '✓ ' + t('course.completed')) : null,
    h('div', { lang: course.language }, outline));
  focusView(course.title);
}

// ---- items --------------------------------------------------------------------------

function nextItemHref(course, progress, currentId) {
  const order = course.modules.flatMap((m) => m.items.map((i) => i.id));
  const after = order.slice(order.indexOf(currentId) + 1);
  const next = after.find((id) => { const p = progress.items.find((x) => x.id === id); return p && !p.locked && p.status !== 'completed'; });
  return next ? `#/course/${encodeURIComponent(course.id)}/item/${encodeURIComponent(next)}` : `#/course/${encodeURIComponent(course.id)}`;
}

async function renderItem(courseId, itemId) {
  const { course, manifest, progress } = await state.engine.call('course.get', { course_id: courseId });
  const item = course.modules.flatMap((m) => m.items).find((i) => i.id === itemId);
  if (!item) throw Object.assign(new Error('this item is not in the course'), { code: 'not_found' });
  remember({ item: { hash: location.hash, item_id: itemId, manifest } });
  const container = h('article', { class: 'item-view', lang: course.language });
  mount(view, h('a', { class: 'back', href: `#/course/${encodeURIComponent(courseId)}` }, '← ' + course.title), container);
  const timer = new ActiveTimer();
  const activeMs = () => timer.ms();
  window.addEventListener('hashchange', () => timer.stop(), { once: true });

  if (item.type === 'card') {
    const p = progress.items.find((x) => x.id === itemId);
    const done = p && p.status === 'completed';
    const button = h('button', { class: 'primary', onclick: async () => {
      button.disabled = true;
      try {
        const res = await state.engine.call('card.complete', { course_id: courseId, item_id: itemId, duration_ms: activeMs() });
        sync.soon();
        await refreshStatus();
        location.hash = nextItemHref(course, res.progress, itemId);
      } catch (err) { showToast(errorText(err)); button.disabled = false; }
    } }, done ? t('card.next') : t('card.done'));
    // A card whose first block repeats its title shows the title once.
    const blocks = item.blocks.length && item.blocks[0].type === 'heading' &&
      item.blocks[0].spans.map((x) => x.text).join('').trim() === item.title ? item.blocks.slice(1) : item.blocks;
    container.append(h('h1', {}, item.title), ...renderBlocks(blocks, manifest), h('div', { class: 'actions' }, button));
    if (done) button.onclick = () => { location.hash = nextItemHref(course, progress, itemId); };
  } else {
    const ctx = { engine: state.engine, course, item, manifest, progress, activeMs,
      onRecorded: () => { sync.soon(); refreshStatus(); },
      onError: (err) => showToast(errorText(err)),
      nextHref: (prog) => nextItemHref(course, prog, itemId) };
    const renderers = { quiz: renderQuiz, flashcards: renderFlashcards, survey: renderSurvey, scenario: renderScenario };
    await renderers[item.type](container, ctx);
  }
  focusView(item.title);
}

// ---- account, shared devices --------------------------------------------------------

function switchTo(profileId) {
  if (profileId) localStorage.setItem(ACTIVE_KEY, profileId);
  else localStorage.removeItem(ACTIVE_KEY);
  // A fresh page gives the next learner a fresh Worker and store (one store per profile).
  location.hash = '#/';
  location.reload();
}

async function renderAccount() {
  const [profile, status] = await Promise.all([state.engine.call('profile.get'), state.engine.call('status')]);
  const warning = h('div', { class: 'card warn-panel', role: 'alert', hidden: true });
  const signOut = h('button', { class: 'secondary', onclick: async () => {
    const st = await state.engine.call('status');
    if (st.unsynced > 0 && warning.hidden) {
      mount(warning, h('p', {}, t('account.sign_out_warning', { count: st.unsynced })),
        h('div', { class: 'actions' },
          h('button', { class: 'primary', onclick: () => switchTo(null) }, t('account.sign_out_anyway')),
          h('button', { class: 'secondary', onclick: () => { warning.hidden = true; signOut.focus(); } }, t('account.cancel'))));
      warning.hidden = false;
      warning.querySelector('button').focus();
      return;
    }
    switchTo(null);
  } }, t('account.sign_out'));
  const others = profiles().filter((p) => p.id !== state.profile);
  mount(view,
    h('h1', {}, t('account.title')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('account.learner')), h('dd', {}, profile ? profile.name : ''),
      h('dt', {}, t('account.storage')), h('dd', {}, t('account.storage_' + (state.storage || 'opfs'))),
      h('dt', {}, t('account.last_sync')), h('dd', {}, status.last_sync ? fmt.relative(status.last_sync) : t('account.never'))),
    h('div', { class: 'actions' },
      h('button', { class: 'primary', onclick: () => sync && sync.now() }, t('action.sync_now')),
      signOut),
    warning,
    h('h2', {}, t('account.switch')),
    h('div', { class: 'actions' },
      others.map((p) => h('button', { class: 'secondary', onclick: () => switchTo(p.id) }, t('account.open', { name: p.name }))),
      h('button', { class: 'secondary', onclick: () => { sessionStorage.setItem('trailpack.adding', '1'); switchTo(null); } }, t('account.add'))));
  focusView(t('account.title'));
}

// ---- sync ---------------------------------------------------------------------------

let sync = null;

function startSync() {
  if (sync) return;
  sync = new SyncScheduler(async () => {
    state.syncing = true;
    renderStatus();
    try {
      const res = await state.engine.send('sync', {});
      state.offline = false;
      state.status = res.status;
      if (res.conflicts || res.rejected) showToast(t('error.generic', { message: `${res.conflicts + res.rejected} answers were refused by the server` }));
      return true;
    } catch (err) {
      state.offline = err.code === 'offline';
      if (err.code === 'signed_out') state.signedOut = true;
      await refreshStatus();
      return false;
    } finally {
      state.syncing = false;
      renderStatus();
    }
  });
  sync.start();
}

statusButton.addEventListener('click', () => sync && sync.now());

// ---- start --------------------------------------------------------------------------

async function start() {
  state.engine = new EngineClient();
  window.__trailpack = { engine: state.engine };  // for diagnostics and tests
  state.engine.on('download', (s) => {
    if (s.phase === 'file') showToast(t('home.downloading', { done: fmt.bytes(s.done_bytes), total: fmt.bytes(s.download_bytes) }));
    if (s.phase === 'installed') showToast(t('home.offline_ready'));
  });
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  const active = localStorage.getItem(ACTIVE_KEY);
  if (active && profiles().some((p) => p.id === active)) {
    // Paint the last screen from cached data while the engine starts (no wasm needed).
    const preview = showPreview(active, view).catch(() => false);
    try {
      const opened = await state.engine.send('open', { profile: active });
      state.profile = active;
      state.storage = opened.storage;
      document.body.dataset.storage = opened.storage;
      const enrolled = await state.engine.call('app.get', { key: 'auth' });
      if (!enrolled) {
        // This device knew the learner but their store is empty: it was wiped. Forget the
        // profile here and ask for enrollment; the server then restores the progress.
        state.profile = null;
        state.wiped = true;
        localStorage.setItem(PROFILES_KEY, JSON.stringify(profiles().filter((p) => p.id !== active)));
        localStorage.removeItem(ACTIVE_KEY);
      }
      await preview;
    } catch (err) {
      mount(view, h('p', { class: 'error', role: 'alert' }, errorText(err)));
      return;
    }
  }
  window.addEventListener('hashchange', route);
  if (state.profile) {
    await refreshStatus();
    startSync();
  }
  route();
  registerServiceWorker();
  document.body.dataset.ready = 'true';
}

function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js').then((reg) => {
    reg.addEventListener('updatefound', () => {
      const sw = reg.installing;
      sw && sw.addEventListener('statechange', () => {
        if (sw.state === 'installed' && navigator.serviceWorker.controller) {
          const bar = h('div', { class: 'update', role: 'status' }, t('update.ready'), ' ',
            h('button', { class: 'secondary', onclick: () => { sw.postMessage('skipWaiting'); } }, t('update.reload')));
          document.body.append(bar);
        }
      });
    });
    let reloading = false;
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (reloading || !document.querySelector('.update')) return;
      reloading = true;
      location.reload();
    });
  }).catch(() => {});
}

start();
