// The learner app's shell: the status bar, routing, sync scheduling and start-up. All
// rules live in the C++ engine (in a Worker); the views render and pass messages.
import { EngineClient } from './engine.js';
import { h, mount } from './dom.js';
import { setLanguage, t, fmt } from './i18n.js';
import { SyncScheduler } from './sync.js';
import { showPreview } from './preview.js';
import { state, view, hooks, showToast, errorText, profiles, PROFILES_KEY, ACTIVE_KEY } from './context.js';
import { renderEnroll, renderAccount } from './views/account.js';
import { renderHome } from './views/home.js';
import { renderCourse, renderItem } from './views/course.js';

const statusButton = document.getElementById('sync-status');

setLanguage(navigator.language);
document.querySelector('.skip').textContent = t('nav.skip');
document.getElementById('account-label').textContent = t('account.title');

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
      // The engine's status now, not the sync's: answers recorded while it ran are unsynced.
      await refreshStatus();
      if (res.conflicts || res.rejected) showToast(t('error.generic', { message: `${res.conflicts + res.rejected} answers were refused by the server` }));
      return true;
    } catch (err) {
      state.offline = err.code === 'offline';
      if (err.code === 'signed_out') state.signedOut = true;
      try { await refreshStatus(); } catch (e) { /* the status bar keeps its last figures */ }
      return false;
    } finally {
      state.syncing = false;
      renderStatus();
    }
  });
  sync.start();
}

statusButton.addEventListener('click', () => sync && sync.now());

hooks.route = route;
hooks.refreshStatus = refreshStatus;
hooks.startSync = startSync;
hooks.syncNow = () => sync && sync.now();
hooks.syncSoon = () => sync && sync.soon();

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
