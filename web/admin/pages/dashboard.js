// The KPI dashboard: filters, then engagement, learning, impact and data health. Every
// chart is inline SVG with its data table, every table can be exported as CSV (the
// server's ?format=csv of the same endpoint). Definitions: docs/kpis.md.
import { h, api, query, csvButton, num, score, duration, pct } from '../lib.js';
import { barChart, columnChart, dataTable } from '../charts.js';

export const title = 'Dashboard';

const FILTERS = ['group', 'team', 'site', 'job_role', 'course', 'from', 'to'];
const DIMENSIONS = [['course', 'Course'], ['team', 'Team'], ['site', 'Site'], ['job_role', 'Job role']];
const TYPES = { quiz: 'Quizzes', flashcards: 'Flashcards', scenario: 'Scenarios', survey: 'Surveys' };

function select(id, label, value, choices, emptyLabel) {
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('select', { id, name: id },
      emptyLabel === null ? null : h('option', { value: '' }, emptyLabel),
      choices.map(([v, text]) => h('option', { value: v, selected: v === value || undefined }, text))));
}

// Groups in tree order, subgroups indented (visible in the option text for everyone).
function groupChoices(groups) {
  const children = new Map();
  for (const g of groups) {
    const parent = groups.some((x) => x.id === g.parent_id) ? g.parent_id : null;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(g);
  }
  const out = [];
  const walk = (parent, depth) => (children.get(parent) || []).forEach((g) => {
    out.push([g.id, '\u2003'.repeat(depth) + (depth ? '↳ ' : '') + g.name]);
    walk(g.id, depth + 1);
  });
  walk(null, 0);
  return out;
}

function filtersForm(options, current, by) {
  const f = options.filters;
  const form = h('form', { class: 'card filters', 'aria-label': 'Dashboard filters', onsubmit: (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const params = {};
    for (const k of [...FILTERS, 'by']) params[k] = data.get(k) || '';
    if (params.by === 'course') params.by = '';
    location.hash = '#/dashboard' + query(params);
  } },
  h('h2', { class: 'sr-only' }, 'Filters'),
  h('div', { class: 'filter-grid' },
    select('group', 'Group', current.group, groupChoices(options.groups), 'All groups'),
    select('team', 'Team', current.team, options.teams.map((t) => [t, t]), 'All teams'),
    select('site', 'Site', current.site, options.sites.map((t) => [t, t]), 'All sites'),
    select('job_role', 'Job role', current.job_role, options.job_roles.map((t) => [t, t]), 'All job roles'),
    select('course', 'Course', current.course, options.courses.map((c) => [c.id, c.title]), 'All courses'),
    h('div', { class: 'field' }, h('label', { for: 'from' }, 'From'), h('input', { id: 'from', name: 'from', type: 'date', value: f.from, required: true })),
    h('div', { class: 'field' }, h('label', { for: 'to' }, 'To (included)'), h('input', { id: 'to', name: 'to', type: 'date', value: f.to, required: true })),
    select('by', 'Break down by', by, DIMENSIONS, null)),
  h('div', { class: 'actions' },
    h('button', { type: 'submit' }, 'Apply filters'),
    h('a', { href: '#/dashboard', class: 'button-link' }, 'Reset')));
  return form;
}

function tiles(items) {
  return h('dl', { class: 'tiles' }, items.map(([label, value, note]) =>
    h('div', { class: 'tile' }, h('dt', {}, label), h('dd', {}, value, note ? h('span', { class: 'muted tile-note' }, note) : null))));
}

function section(id, heading, ...children) {
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, heading), ...children);
}

function exports(...buttons) {
  return h('p', { class: 'exports' }, buttons);
}

// A gain in percentage points, signed.
const gainText = (x) => (x === null || x === undefined ? '—' : (x >= 0 ? '+' : '') + (x * 100).toFixed(0) + ' pts');
const sum = (rows, k) => rows.reduce((a, r) => a + (r[k] || 0), 0);
const ratio = (a, b) => (b ? a / b : null);

function engagementSection(d, f, by) {
  const rows = d.engagement.rows;
  const key = d.engagement.by;
  const label = (r) => (key === 'course' ? r.title || r.course : r[key] || '(none)');
  const assigned = sum(rows, 'assigned');
  const parts = [
    tiles([
      ['Learners', num(d.engagement.learners)],
      ['Active learners', num(d.engagement.active_learners), ` ${pct(d.engagement.active_rate)} of learners, ${f.from} to ${f.to}`],
      ['Participation', pct(ratio(sum(rows, 'started'), assigned)), ' started / assigned'],
      ['Completion', pct(ratio(sum(rows, 'completed'), assigned)), ' completed / assigned'],
    ]),
    barChart({
      caption: `Participation and completion by ${DIMENSIONS.find(([v]) => v === key)[1].toLowerCase()}`,
      categoryLabel: DIMENSIONS.find(([v]) => v === key)[1],
      categories: rows.map(label),
      series: [{ name: 'Participation', values: rows.map((r) => r.participation_rate) },
        { name: 'Completion', values: rows.map((r) => r.completion_rate) }],
      max: 1, format: pct,
    }),
    dataTable(`Engagement by ${key}`, [
      { label: DIMENSIONS.find(([v]) => v === key)[1], value: label },
      { label: 'Assigned', numeric: true, value: (r) => num(r.assigned) },
      { label: 'Started', numeric: true, value: (r) => num(r.started) },
      { label: 'Completed', numeric: true, value: (r) => num(r.completed) },
      { label: 'Completed in period', numeric: true, value: (r) => num(r.completed_in_period) },
      { label: 'Active in period', numeric: true, value: (r) => num(r.active_learners) },
      { label: 'Average time', numeric: true, value: (r) => duration(r.avg_time_spent_ms) },
    ], rows),
    exports(csvButton('Export engagement (CSV)', '/api/v1/admin/kpi/engagement' + query({ ...f, by }), 'engagement.csv')),
  ];
  const days = d.activity.rows;
  parts.push(columnChart({
    caption: 'Active learners per day', labels: days.map((r) => r.date.slice(5)), values: days.map((r) => r.active_learners),
    format: (v) => num(v), axisLabel: 'days', labelHeading: 'Day (MM-DD)', valueHeading: 'Active learners',
  }), exports(csvButton('Export activity per day (CSV)', '/api/v1/admin/kpi/activity' + query(f), 'activity.csv')));
  if (d.modules) {
    const m = d.modules.rows;
    parts.push(barChart({
      caption: `Completion per module: ${d.modules.course.title || d.modules.course.id}`, categoryLabel: 'Module',
      categories: m.map((r) => r.title || r.module_id),
      series: [{ name: 'Started', values: m.map((r) => ratio(r.started, r.assigned)) }, { name: 'Completed', values: m.map((r) => r.completion_rate) }],
      max: 1, format: pct,
    }), exports(csvButton('Export modules (CSV)', '/api/v1/admin/kpi/modules' + query(f), 'modules.csv')));
  } else {
    parts.push(h('p', { class: 'muted' }, 'Choose a course in the filters to see completion per module.'));
  }
  const it = d.interactions.rows;
  parts.push(barChart({
    caption: 'Participation in interactive activities', categoryLabel: 'Course and activity',
    categories: it.map((r) => `${r.title} · ${TYPES[r.type] || r.type}`),
    series: [{ name: 'Learners who took part', values: it.map((r) => r.participation_rate) }], max: 1, format: pct,
  }), exports(csvButton('Export interactions (CSV)', '/api/v1/admin/kpi/interactions' + query(f), 'interactions.csv')));
  return section('engagement', 'Engagement', ...parts);
}

function distribution(row) {
  const labels = [], values = [];
  for (let b = 0; b < 10; b++) {
    labels.push(b === 9 ? '90–100%' : `${b * 10}–${b * 10 + 9}%`);
    values.push(row['bin_' + b * 10]);
  }
  return columnChart({
    caption: `Best scores: ${row.title} (${row.learners} learners)`, labels, values, format: (v) => num(v),
    axisLabel: 'score bands', labelHeading: 'Score band', valueHeading: 'Learners', every: 1,
  });
}

function learningSection(d, f) {
  const quizzes = d.scores.rows;
  const parts = [
    dataTable('Scores per quiz', [
      { label: 'Quiz', value: (r) => `${r.title}${r.role ? ` (${r.role})` : ''}` },
      { label: 'Course', value: (r) => r.course_id },
      { label: 'Learners', numeric: true, value: (r) => num(r.learners) },
      { label: 'Attempts', numeric: true, value: (r) => num(r.attempts) },
      { label: 'Pass rate', numeric: true, value: (r) => pct(r.pass_rate) },
      { label: 'Mean best score', numeric: true, value: (r) => score(r.mean_best_score) },
    ], quizzes),
    exports(csvButton('Export scores (CSV)', '/api/v1/admin/kpi/scores' + query(f), 'scores.csv')),
  ];
  const taken = quizzes.filter((r) => r.learners > 0);
  if (taken.length) {
    const holder = h('div', {}, distribution(taken[0]));
    const id = 'quiz-pick';
    parts.push(h('div', { class: 'field' }, h('label', { for: id }, 'Score distribution of'),
      h('select', { id, onchange: (e) => holder.replaceChildren(distribution(taken[Number(e.target.value)])) },
        taken.map((r, i) => h('option', { value: String(i) }, `${r.title} — ${r.course_id}`)))), holder);
  }
  const g = d.gain.rows;
  const all = d.gain.overall;
  parts.push(tiles([
    ['Pre-test, all courses', score(all.mean_pre), ` mean of ${num(all.pre_n)} learners`],
    ['Post-test, all courses', score(all.mean_post), ` mean of ${num(all.post_n)} learners`],
    ['Gain, all courses', gainText(all.mean_gain), ` ${num(all.paired_n)} learners with both tests`],
  ]), barChart({
    caption: 'Pre-test and post-test scores by course', categoryLabel: 'Course', categories: g.map((r) => r.title || r.course_id),
    series: [{ name: 'Pre-test (mean)', values: g.map((r) => r.mean_pre) }, { name: 'Post-test (mean)', values: g.map((r) => r.mean_post) }],
    max: 1, format: score,
  }), dataTable('Gain by course (learners with both tests)', [
    { label: 'Course', value: (r) => r.title || r.course_id },
    { label: 'Both tests', numeric: true, value: (r) => num(r.paired_n) },
    { label: 'Mean gain', numeric: true, value: (r) => gainText(r.mean_gain) },
  ], g), exports(csvButton('Export gain (CSV)', '/api/v1/admin/kpi/gain' + query(f), 'gain.csv')));
  const o = d.objectives.rows;
  if (o.length) {
    parts.push(barChart({
      caption: 'Mastery per learning objective', categoryLabel: 'Objective', categories: o.map((r) => `${r.objective} (${r.course_id})`),
      series: [{ name: 'Pre-test', values: o.map((r) => r.mean_pre) }, { name: 'Post-test', values: o.map((r) => r.mean_post) }],
      max: 1, format: score,
    }), dataTable('Gain per learning objective (learners with both tests)', [
      { label: 'Objective', value: (r) => r.objective },
      { label: 'Course', value: (r) => r.course_id },
      { label: 'Both tests', numeric: true, value: (r) => num(r.paired_n) },
      { label: 'Mean gain', numeric: true, value: (r) => gainText(r.mean_gain) },
    ], o), exports(csvButton('Export objectives (CSV)', '/api/v1/admin/kpi/objectives' + query(f), 'objectives.csv')));
  }
  parts.push(dataTable(`Hardest questions (${d.questions.questions} answered)`, [
    { label: 'Question', value: (r) => r.prompt || r.question_id },
    { label: 'Quiz', value: (r) => `${r.course_id} / ${r.item_id}` },
    { label: 'Objectives', value: (r) => r.objectives || '—' },
    { label: 'Answers', numeric: true, value: (r) => num(r.answers) },
    { label: 'Right (p)', numeric: true, value: (r) => pct(r.difficulty) },
    { label: 'Discrimination (r)', numeric: true, value: (r) => (r.discrimination === null ? '—' : r.discrimination.toFixed(2)) },
  ], d.questions.rows), exports(csvButton('Export item analysis (CSV)', '/api/v1/admin/kpi/questions' + query({ ...f, limit: 1000 }), 'questions.csv')));
  return section('learning', 'Learning', ...parts);
}

function impactSection(d, f, by) {
  const rows = d.surveys.rows;
  const key = d.surveys.by;
  const ratings = rows.filter((r) => r.type === 'rating');
  const name = (r) => `${r.role === 'cold' ? 'Cold' : 'Hot'} · ${r.prompt}${key !== 'course' ? ` · ${r[key] || '(none)'}` : ''}`;
  const parts = [
    barChart({
      caption: 'Evaluation ratings (mean, 1 to 5)', categoryLabel: 'Question', categories: ratings.map(name),
      series: [{ name: 'Mean rating', values: ratings.map((r) => r.mean_rating) }], max: 5, format: (v) => num(v, 1),
    }),
    dataTable('Evaluation answers', [
      { label: 'Question', value: name },
      { label: 'Course', value: (r) => r.course_id },
      { label: 'Answers', numeric: true, value: (r) => num(r.responses) },
      { label: 'Mean', numeric: true, value: (r) => num(r.mean_rating, 2) },
      { label: 'Distribution', value: (r) => r.distribution || '—' },
    ], rows),
    exports(csvButton('Export evaluations (CSV)', '/api/v1/admin/kpi/surveys' + query({ ...f, by }), 'surveys.csv')),
    h('h3', {}, 'Comments'),
    d.comments.rows.length
      ? h('ul', { class: 'comments' }, d.comments.rows.map((c) => h('li', {},
        h('blockquote', {}, c.text),
        h('p', { class: 'muted' }, `${c.role === 'cold' ? 'Cold' : 'Hot'} evaluation of ${c.course_id}, "${c.prompt}", ${c.answered_at.slice(0, 10)}`,
          [c.team, c.site, c.job_role].filter(Boolean).length ? ` — ${[c.team, c.site, c.job_role].filter(Boolean).join(', ')}` : ''))))
      : h('p', { class: 'muted' }, 'No comments in this period.'),
    exports(csvButton('Export comments (CSV)', '/api/v1/admin/kpi/comments' + query({ ...f, limit: 1000 }), 'comments.csv')),
  ];
  return section('impact', 'Impact', ...parts);
}

function healthSection(d, f) {
  const m = Object.fromEntries(d.sync.rows.map((r) => [r.metric, r.value]));
  const parts = [
    tiles([
      ['Synced in the last 24 h', num(m.synced_last_24h), ` of ${num(m.learners)} learners`],
      ['Not synced for 7 days', num(m.not_synced_7d)],
      ['Never synced', num(m.never_synced), ` (${num(m.learners_with_device)} have a device)`],
      ['Activity not synced yet (estimate)', num(m.unsynced_estimate, 0), ' statements'],
      ['Mean sync lag', duration(m.mean_lag_ms), ` over ${num(m.statements_received)} statements`],
      ['Scores disputed by the server', num(m.flagged_scores)],
    ]),
    barChart({
      caption: 'Sync lag of the statements received in the period', categoryLabel: 'Lag',
      categories: ['Under 1 hour', '1 hour to 1 day', '1 to 7 days', '7 days or more'],
      series: [{ name: 'Statements', values: [m.lag_under_1h, m.lag_under_1d, m.lag_under_7d, m.lag_over_7d] }], format: (v) => num(v),
    }),
    exports(csvButton('Export sync health (CSV)', '/api/v1/admin/kpi/sync' + query(f), 'sync.csv')),
    dataTable('Devices that synced least recently', [
      { label: 'Learner', value: (r) => h('a', { href: `#/learner/${encodeURIComponent(r.user_id)}` }, r.name) },
      { label: 'Device', value: (r) => r.device_name || 'no device' },
      { label: 'Last sync', value: (r) => (r.last_push_at ? r.last_push_at.slice(0, 16).replace('T', ' ') : 'never') },
      { label: 'Days since', numeric: true, value: (r) => num(r.days_since_sync, 1) },
      { label: 'Unsynced (estimate)', numeric: true, value: (r) => num(r.unsynced_estimate, 1) },
    ], d.devices.rows),
    exports(csvButton('Export all devices (CSV)', '/api/v1/admin/kpi/devices' + query({ ...f, limit: 1000 }), 'devices.csv')),
    dataTable('Scores the server disputed', [
      { label: 'Learner', value: (r) => h('a', { href: `#/learner/${encodeURIComponent(r.user_id)}` }, r.name) },
      { label: 'Question', value: (r) => r.question.replace(/^urn:trailpack:course:/, '') },
      { label: 'When', value: (r) => r.timestamp.slice(0, 16).replace('T', ' ') },
      { label: 'Flag', value: (r) => r.flag },
    ], d.flags.rows),
    exports(csvButton('Export disputed scores (CSV)', '/api/v1/admin/kpi/flags' + query({ ...f, limit: 1000 }), 'flags.csv')),
  ];
  return section('health', 'Data health', ...parts);
}

export async function render(main, ctx) {
  const current = Object.fromEntries(FILTERS.map((k) => [k, ctx.query.get(k) || '']));
  const by = ctx.query.get('by') || 'course';
  let options;
  try { options = await api('/api/v1/admin/kpi/filters' + query(current)); } catch (err) { return ctx.fail(err); }
  const f = { ...current, from: options.filters.from, to: options.filters.to };
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading the figures…');
  main.replaceChildren(h('h1', {}, 'Dashboard'), filtersForm(options, current, by), status);
  const get = (name, extra = {}) => api(`/api/v1/admin/kpi/${name}` + query({ ...f, ...extra }));
  let d;
  try {
    const names = ['engagement', 'activity', 'interactions', 'scores', 'gain', 'objectives', 'questions', 'surveys', 'comments', 'sync', 'devices', 'flags'];
    const extras = { engagement: { by: by === 'course' ? '' : by }, surveys: { by: by === 'course' ? '' : by }, questions: { limit: 10 },
      comments: { limit: 20 }, devices: { limit: 20 }, flags: { limit: 20 } };
    const results = await Promise.all([...names.map((n) => get(n, extras[n] || {})), f.course ? get('modules') : Promise.resolve(null)]);
    d = Object.fromEntries(names.map((n, i) => [n, results[i]]));
    d.modules = results[names.length];
  } catch (err) { return ctx.fail(err); }
  status.textContent = `Figures from ${f.from} to ${f.to} (UTC days). Definitions: docs/kpis.md.`;
  main.append(engagementSection(d, f, by), learningSection(d, f), impactSection(d, f, by), healthSection(d, f));
}
