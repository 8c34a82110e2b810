// Shared by the app's modules: the state, the view, messages, profiles on this device,
// and hooks the shell (main.js) fills in (routing, status, sync).
import { t } from './i18n.js';
import { savePreview } from './preview.js';

export const PROFILES_KEY = 'trailpack.profiles';   // non-secret: which learners use this device
export const ACTIVE_KEY = 'trailpack.active';

export const view = document.getElementById('view');
const toast = document.getElementById('toast');

export const state = {
  engine: null,
  profile: null,
  storage: null,
  status: { unsynced: 0, last_sync: null },
  syncing: false,
  offline: false,
  signedOut: false,
  wiped: false,
};

/** Filled in by main.js. */
export const hooks = {
  route: async () => {},
  refreshStatus: async () => {},
  startSync: () => {},
  syncNow: () => {},
  syncSoon: () => {},
};

export function showToast(message) {
  toast.textContent = message;
  toast.classList.add('show');
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => toast.classList.remove('show'), 4000);
}

export function errorText(err) {
  if (err && err.code === 'storage_full') return t('error.storage_full');
  if (err && err.code === 'profile_busy') return t('error.profile_busy');
  return t('error.generic', { message: (err && err.message) || String(err) });
}

export function focusView(title) {
  document.title = title ? title + ' · ' + t('app.name') : t('app.name');
  view.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

// Snapshot for a fast first paint (preview.js).

let snapshot = {};
export function remember(part) {
  snapshot = Object.assign({}, snapshot, part);
  if (state.profile) savePreview(state.profile, snapshot);
}

export function profiles() {
  try { return JSON.parse(localStorage.getItem(PROFILES_KEY)) || []; } catch { return []; }
}

export function addProfile(p) {
  const list = profiles().filter((x) => x.id !== p.id);
  list.push(p);
  localStorage.setItem(PROFILES_KEY, JSON.stringify(list));
  localStorage.setItem(ACTIVE_KEY, p.id);
}

export function switchTo(profileId) {
  if (profileId) localStorage.setItem(ACTIVE_KEY, profileId);
  else localStorage.removeItem(ACTIVE_KEY);
  // A fresh page gives the next learner a fresh Worker and store (one store per profile).
  location.hash = '#/';
  location.reload();
}
