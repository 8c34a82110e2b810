// Learners and their progress per course, refreshed every few seconds.
import { h, api, pct, when } from '../lib.js';

export const title = 'Learners';

export async function render(main, ctx) {
  let data;
  try { data = await api('/api/v1/admin/learners'); } catch (err) { return ctx.fail(err); }
  const rows = [];
  for (const l of data.learners) {
    const courses = l.courses.length ? l.courses : [null];
    courses.forEach((c, i) => rows.push(h('tr', { 'data-learner': l.id, 'data-course': c ? c.course_id : '' },
      i === 0 ? h('td', { rowspan: String(courses.length) }, h('strong', {}, l.name), h('br'), h('span', { class: 'muted' }, l.email)) : null,
      h('td', {}, c ? c.title : h('span', { class: 'muted' }, 'No activity yet')),
      h('td', { class: 'completion' }, c ? h('div', { class: 'bar-cell' },
        h('div', { class: 'meter', 'aria-hidden': 'true' }, h('span', { style: { width: `${Math.round(c.completion * 100)}%` } })),
        pct(c.completion), c.completed ? ' ✓' : '') : '—'),
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
      h('tbody', {}, rows))));
  ctx.refreshIn(5000);
}
