// Enrollment (one learner or a shared device) and the account screen.
import { h, mount } from '../dom.js';
import { t, fmt } from '../i18n.js';
import { state, view, hooks, showToast, errorText, focusView, remember, profiles, addProfile, switchTo } from '../context.js';

export function renderEnroll() {
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
      hooks.startSync();
      await hooks.refreshStatus();
      hooks.route();
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

export async function renderAccount() {
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
      h('button', { class: 'primary', onclick: () => hooks.syncNow() }, t('action.sync_now')),
      signOut),
    warning,
    h('h2', {}, t('account.switch')),
    h('div', { class: 'actions' },
      others.map((p) => h('button', { class: 'secondary', onclick: () => switchTo(p.id) }, t('account.open', { name: p.name }))),
      h('button', { class: 'secondary', onclick: () => { sessionStorage.setItem('trailpack.adding', '1'); switchTo(null); } }, t('account.add'))));
  focusView(t('account.title'));
}
