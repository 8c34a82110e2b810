// Learners and their progress per course, refreshed every few seconds; a name opens the
// learner's drill-down page. Paged by the server (500 a page).
import { h, api, pct, when, query, csvButton, tableWrap } from '../lib.js';

export const title = 'Learners';

export async function render(main, ctx) {
  const offset = Number(ctx.query.get('offset') || 0);
  let data;
  try { data = await api('/api/v1/admin/learners' + query({ offset: offset || '' })); } catch (err) { return ctx.fail(err); }
  const rows = [];
  for (const l of data.learners) {
    const courses = l.courses.length ? l.courses : [null];
    courses.forEach((c, i) => rows.push(h('tr', { 'data-learner': l.id, 'data-course': c ? c.course_id : '' },
      i === 0 ? h('td', { rowspan: String(courses.length) },
        h('a', { href: `#/learner/${encodeURIComponent(l.id)}` }, h('strong', {}, l.name)), h('br'), h('span', { class: 'muted' }, l.email)) : null,
      h('td', {}, c ? c.title : h('span', { class: 'muted' }, 'No activity yet')),
      h('td', { class: 'completion' }, c ? h('div', { class: 'bar-cell' },
        h('div', { class: 'meter', 'aria-hidden': 'true' }, h('span', { style: { width: `${Math.round(c.completion * 100)}%` } })),
        pct(c.completion), c.completed ? ' ✓' : '') : '—'),
      h('td', { class: 'score' }, c ? pct(c.best_score) : '—'),
      i === 0 ? h('td', { rowspan: String(courses.length) }, String(l.statements)) : null,
      i === 0 ? h('td', { rowspan: String(courses.length) }, when(l.last_sync)) : null)));
  }
  const first = data.learners.length ? offset + 1 : 0;
  const pager = h('p', {},
    offset > 0 ? h('a', { href: '#/learners' + query({ offset: Math.max(0, offset - 500) || '' }) }, '← Previous 500') : null,
    offset > 0 && data.next_offset ? ' · ' : null,
    data.next_offset ? h('a', { href: '#/learners' + query({ offset: data.next_offset }) }, 'Next 500 →') : null);
  main.replaceChildren(
    h('h1', {}, 'Learners'),
    h('p', { class: 'muted' }, 'Progress comes from the answers devices have synced. This page refreshes every 5 seconds.'),
    h('p', { class: 'exports' }, csvButton('Export learners (CSV)', '/api/v1/admin/learners?limit=1000', 'learners.csv')),
    tableWrap('Learners and their progress', h('table', { id: 'learners' },
      h('caption', { class: 'muted' }, `${data.total} learners${data.total > data.learners.length ? `, ${first} to ${offset + data.learners.length} shown` : ''}`),
      h('thead', {}, h('tr', {}, ['Learner', 'Course', 'Completion', 'Best score', 'Statements', 'Last sync'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows))),
    pager);
  ctx.refreshIn(5000);
}
