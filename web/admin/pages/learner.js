// One learner, drilled into from the dashboard or the learners list: who they are, their
// devices, their progress per course and item, and their statements (newest first,
// filtered and paged with the server's `before` cursor).
import { h, api, query, when, pct, score, duration, tableWrap } from '../lib.js';
import { dataTable } from '../charts.js';

export const title = 'Learner';
export const hidden = true;
export const parent = 'learners';

const VERBS = ['experienced', 'attempted', 'answered', 'passed', 'failed', 'completed', 'responded', 'voided'];
const verbIri = (v) => `http://adlnet.gov/expapi/verbs/${v}`;
const short = (iri) => (iri || '').replace(/^urn:trailpack:course:/, '').replace(/^http:\/\/adlnet\.gov\/expapi\/verbs\//, '');

function resultText(s) {
  const r = s.result || {};
  const parts = [];
  if (r.response !== undefined) parts.push(`response “${r.response}”`);
  if (r.score && r.score.scaled !== undefined) parts.push(`score ${score(r.score.scaled)}`);
  if (r.success !== undefined) parts.push(r.success ? 'correct/passed' : 'not correct/failed');
  if (r.duration) parts.push(r.duration);
  return parts.join(', ') || '—';
}

export async function render(main, ctx) {
  const id = ctx.params[0] || '';
  const course = ctx.query.get('course') || '';
  const verb = ctx.query.get('verb') || '';
  const flagged = ctx.query.get('flagged') === '1';
  let who;
  try { who = await api(`/api/v1/admin/learners/${encodeURIComponent(id)}`); } catch (err) { return ctx.fail(err); }
  const l = who.learner;
  const courses = who.courses.map((c) => h('section', { class: 'card', 'aria-labelledby': `c-${c.course_id}` },
    h('h3', { id: `c-${c.course_id}` }, c.title || c.course_id),
    h('p', {}, `${pct(c.completion)} complete${c.completed ? ` (completed ${when(c.completed_ms)})` : ''}; `,
      `started ${when(c.started_ms)}, last activity ${when(c.last_activity_ms)}; time ${duration(c.time_spent_ms)}; `,
      `pre-test ${score(c.pretest_score)}, post-test ${score(c.posttest_score)}.`),
    dataTable(`Items of ${c.title || c.course_id} with activity`, [
      { label: 'Item', value: (i) => i.title || i.item_id },
      { label: 'Type', value: (i) => i.type },
      { label: 'Status', value: (i) => (i.completed ? `done ${when(i.completed_ms)}` : 'started') },
      { label: 'Attempts', numeric: true, value: (i) => (i.type === 'quiz' ? String(i.attempts) : '—') },
      { label: 'Best score', numeric: true, value: (i) => score(i.best_score) },
      { label: 'Time', numeric: true, value: (i) => duration(i.time_spent_ms) },
    ], c.items)));

  const form = h('form', { class: 'filters', 'aria-label': 'Statement filters', onsubmit: (e) => {
    e.preventDefault();
    const data = new FormData(form);
    location.hash = `#/learner/${encodeURIComponent(id)}` + query({ course: data.get('course'), verb: data.get('verb'), flagged: data.get('flagged') ? '1' : '' });
  } },
  h('div', { class: 'filter-grid' },
    h('div', { class: 'field' }, h('label', { for: 'tl-course' }, 'Course'),
      h('select', { id: 'tl-course', name: 'course' }, h('option', { value: '' }, 'All courses'),
        who.courses.map((c) => h('option', { value: c.course_id, selected: c.course_id === course || undefined }, c.title || c.course_id)))),
    h('div', { class: 'field' }, h('label', { for: 'tl-verb' }, 'Verb'),
      h('select', { id: 'tl-verb', name: 'verb' }, h('option', { value: '' }, 'All verbs'),
        VERBS.map((v) => h('option', { value: v, selected: v === verb || undefined }, v)))),
    h('div', { class: 'field checkbox' }, h('input', { id: 'tl-flagged', name: 'flagged', type: 'checkbox', checked: flagged || undefined }),
      h('label', { for: 'tl-flagged' }, 'Only scores the server disputed'))),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show statements')));

  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Older statements');
  const count = h('p', { class: 'muted', role: 'status' });
  let shown = 0;
  async function load(before) {
    let page;
    try {
      page = await api(`/api/v1/admin/learners/${encodeURIComponent(id)}/statements` +
        query({ limit: 100, before, course, verb: verb ? verbIri(verb) : '', flagged: flagged ? '1' : '' }));
    } catch (err) { return ctx.fail(err); }
    for (const s of page.statements) {
      tbody.append(h('tr', {},
        h('th', { scope: 'row' }, when(Date.parse(s.timestamp))),
        h('td', {}, short(s.verb && s.verb.id), s['urn:trailpack:voided'] ? h('span', { class: 'muted' }, ' (voided)') : null),
        h('td', {}, short(s.object && s.object.id)),
        h('td', {}, resultText(s)),
        h('td', {}, s['urn:trailpack:rescore_flag'] ? h('span', { class: 'error' }, s['urn:trailpack:rescore_flag']) : '—')));
    }
    shown += page.statements.length;
    count.textContent = `${shown} statements shown${page.next_before ? '; older ones remain' : ''}.`;
    more.hidden = !page.next_before;
    more.onclick = () => load(page.next_before);
  }

  main.replaceChildren(
    h('p', {}, h('a', { href: '#/learners' }, '← All learners'), ' · ', h('a', { href: '#/dashboard' }, 'Dashboard')),
    h('h1', {}, l.name),
    h('p', { class: 'muted' }, [l.email, l.team && `team ${l.team}`, l.site && `site ${l.site}`, l.job_role && `job role ${l.job_role}`,
      who.groups.length && `groups ${who.groups.map((g) => g.name).join(', ')}`, !l.active && 'deactivated'].filter(Boolean).join(' · ')),
    h('section', { class: 'card', 'aria-labelledby': 'devices' }, h('h2', { id: 'devices' }, 'Devices'),
      dataTable('Enrolled devices', [
        { label: 'Device', value: (d) => d.name || d.id },
        { label: 'Enrolled', value: (d) => when(d.created_ms) },
        { label: 'Last push', value: (d) => when(d.last_push_ms) },
        { label: 'Last pull', value: (d) => when(d.last_pull_ms) },
      ], who.devices)),
    h('section', { 'aria-labelledby': 'progress' }, h('h2', { id: 'progress' }, 'Progress'),
      courses.length ? courses : h('p', { class: 'muted' }, 'No activity in a published course yet.')),
    h('section', { class: 'card', 'aria-labelledby': 'timeline' }, h('h2', { id: 'timeline' }, 'Statements'), form,
      tableWrap('Statements, newest first', h('table', { id: 'timeline-table' },
        h('caption', {}, 'Statements, newest first'),
        h('thead', {}, h('tr', {}, ['When', 'Verb', 'Object', 'Result', 'Server check'].map((x) => h('th', { scope: 'col' }, x)))),
        tbody)),
      count, more));
  await load('');
}
