// A course's outline and its items (cards, quizzes, flashcards, surveys, scenarios).
import { h, mount } from '../dom.js';
import { setLanguage, t, fmt } from '../i18n.js';
import { state, view, hooks, showToast, errorText, focusView, remember, profiles, addProfile, switchTo } from '../context.js';
import { renderBlocks } from '../render.js';
import { renderQuiz } from '../quiz.js';
import { renderFlashcards, renderSurvey, renderScenario } from '../activities.js';
import { ActiveTimer } from '../timer.js';

function lockText(reason, course) {
  if (!reason) return '';
  if (reason.startsWith('prerequisite:')) {
    const id = reason.slice('prerequisite:'.length);
    const m = course.modules.find((x) => x.id === id);
    return t('lock.prerequisite', { name: m ? m.title : id });
  }
  return t('lock.' + reason);
}

export async function renderCourse(courseId) {
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

function nextItemHref(course, progress, currentId) {
  const order = course.modules.flatMap((m) => m.items.map((i) => i.id));
  const after = order.slice(order.indexOf(currentId) + 1);
  const next = after.find((id) => { const p = progress.items.find((x) => x.id === id); return p && !p.locked && p.status !== 'completed'; });
  return next ? `#/course/${encodeURIComponent(course.id)}/item/${encodeURIComponent(next)}` : `#/course/${encodeURIComponent(course.id)}`;
}

export async function renderItem(courseId, itemId) {
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
        hooks.syncSoon();
        await hooks.refreshStatus();
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
      onRecorded: () => { hooks.syncSoon(); hooks.refreshStatus(); },
      onError: (err) => showToast(errorText(err)),
      nextHref: (prog) => nextItemHref(course, prog, itemId) };
    const renderers = { quiz: renderQuiz, flashcards: renderFlashcards, survey: renderSurvey, scenario: renderScenario };
    await renderers[item.type](container, ctx);
  }
  focusView(item.title);
}
