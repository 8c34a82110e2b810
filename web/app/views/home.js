// My courses: today's reviews, installed courses, courses on offer, import from a file.
import { h, mount } from '../dom.js';
import { t, fmt } from '../i18n.js';
import { state, view, hooks, showToast, errorText, focusView, remember, profiles, addProfile, switchTo } from '../context.js';

export async function renderHome() {
  const [courses, due] = await Promise.all([state.engine.call('courses.list'), state.engine.call('reviews.due')]);
  remember({ home: courses.map((c) => ({ id: c.id, title: c.title, language: c.language, completion: c.completion, completed: c.completed })) });
  const today = h('ul', { class: 'today' });
  for (const d of due.decks)
    today.append(h('li', {}, h('a', { href: `#/course/${encodeURIComponent(d.course_id)}/item/${encodeURIComponent(d.item_id)}` },
      t('home.reviews_due', { count: d.due }) + ' · ' + d.title)));
  for (const s of due.cold_surveys.filter((x) => x.due))
    today.append(h('li', {}, h('a', { href: `#/course/${encodeURIComponent(s.course_id)}/item/${encodeURIComponent(s.item_id)}` },
      t('home.followup_due', { title: s.title }))));
  // Assignments (due dates) and reminders, as of the last sync.
  const [assignments, reminders] = await Promise.all([state.engine.call('app.get', { key: 'assignments' }),
    state.engine.call('app.get', { key: 'reminders' })]);
  const assigned = Object.fromEntries((assignments || []).map((a) => [a.course_id, a]));
  const dueLine = (courseId) => {
    const a = assigned[courseId];
    if (!a) return null;
    if (a.status === 'completed' || a.completed_at || !a.due_at) return h('span', { class: 'due' }, t('home.assigned'));
    const late = a.due_at < Date.now();
    return h('span', { class: late ? 'due overdue' : 'due' }, t(late ? 'home.overdue' : 'home.due', { date: fmt.date(a.due_at) }));
  };
  const shownCourses = new Set(courses.map((c) => c.id));
  for (const r of (reminders || []).filter((x) => !(assigned[x.course_id] && assigned[x.course_id].completed_at)).slice(-3))
    today.append(h('li', { class: 'reminder' }, r.course_id && shownCourses.has(r.course_id)
      ? h('a', { href: `#/course/${encodeURIComponent(r.course_id)}` }, r.message) : r.message));
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
      hooks.route();
    } }, t(installed[c.id] ? 'home.update_one' : 'home.download_one', { size: fmt.bytes(c.bytes) }));
    return h('li', { class: 'card course', lang: c.language, dataset: { course: c.id } }, h('h3', {}, c.title),
      assigned[c.id] ? h('p', { class: 'meta' }, dueLine(c.id)) : null, progress, button);
  }));
  const list = h('ul', { class: 'course-list' });
  const rank = (c) => (assigned[c.id] && !c.completed ? (assigned[c.id].due_at || Number.MAX_SAFE_INTEGER) : Infinity);
  for (const c of [...courses].sort((a, b) => rank(a) - rank(b))) {
    const label = c.completed ? t('home.review') : c.completion > 0 ? t('home.continue') : t('home.start');
    const target = c.resume_item ? `#/course/${encodeURIComponent(c.id)}/item/${encodeURIComponent(c.resume_item)}` : `#/course/${encodeURIComponent(c.id)}`;
    list.append(h('li', { class: 'card course', lang: c.language },
      h('h2', {}, h('a', { href: `#/course/${encodeURIComponent(c.id)}` }, c.title)),
      c.description ? h('p', { class: 'muted' }, c.description) : null,
      h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
        'aria-valuenow': String(Math.round(c.completion * 100)), 'aria-label': t('home.progress', { percent: fmt.percent(c.completion) }) },
      h('span', { style: { width: `${Math.round(c.completion * 100)}%` } })),
      h('p', { class: 'meta meta-row' },
        dueLine(c.id),
        h('span', {}, c.completed ? '✓ ' + t('home.completed') : t('home.progress', { percent: fmt.percent(c.completion) })),
        h('span', { class: 'offline-ready' }, t('home.offline_ready') + (c.bytes ? ' · ' + fmt.bytes(c.bytes) : ''))),
      h('a', { class: 'button primary', href: target }, label)));
  }
  const download = h('button', { class: 'secondary', onclick: async () => {
    download.disabled = true;
    try { await state.engine.send('download', {}); } catch (err) { showToast(errorText(err)); }
    download.disabled = false;
    hooks.route();
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
        hooks.route();
      } catch (err) { showToast(errorText(err)); }
      input.value = '';
    } });
  return h('span', {}, input, h('label', { for: 'import-file', class: 'button secondary', role: 'button', tabindex: '0',
    onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); } } }, t('home.import')));
}
