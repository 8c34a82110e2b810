// Assignments: courses and learning paths given to learners or groups, with due dates
// and recertification; per assignment, where each learner stands. Admins create paths
// and assignments and set whether the catalogue is open; managers read.
import { h, api, day, field, select, statusLine, act, isAdmin } from '../lib.js';
import { statusPill } from './people.js';

export const title = 'Assignments';

export async function render(main, ctx) {
  if (ctx.params[0]) return detail(main, ctx, ctx.params[0]);
  let assignments, paths, courses, groups, learners, settings;
  const admin = isAdmin(ctx.user);
  try {
    [assignments, paths, courses, groups, settings] = await Promise.all([
      api('/api/v1/admin/assignments'), api('/api/v1/admin/paths'), api('/api/v1/courses'), api('/api/v1/admin/groups'),
      api('/api/v1/admin/settings')]);
    learners = admin ? await api('/api/v1/admin/users?role=learner&status=active&limit=200') : { users: [] };
  } catch (err) { return ctx.fail(err); }
  const again = () => render(main, ctx);
  const status = statusLine();
  const due = (a) => (a.due_at ? day(a.due_at) : a.due_days !== null ? `${a.due_days} days after assignment` : '—');
  const rows = assignments.assignments.map((a) => h('tr', { 'data-assignment': a.id },
    h('td', {}, h('a', { href: '#/assignments/' + encodeURIComponent(a.id) }, a.title), a.path_id ? h('span', { class: 'muted' }, ' (path)') : ''),
    h('td', {}, `${a.target.type === 'group' ? 'Group' : 'Learner'}: ${a.target.name}`),
    h('td', {}, due(a)), h('td', {}, a.recur_months ? `every ${a.recur_months} months` : '—'),
    h('td', {}, String(a.learners)), h('td', {}, String(a.completed)), h('td', {}, a.overdue ? statusPill('overdue') : '0'),
    h('td', {}, admin ? h('button', { class: 'secondary small', onclick: async () => {
      if (!confirm(`End the assignment "${a.title}"? Progress and history are kept.`)) return;
      if (await act(status, () => api('/api/v1/admin/assignments/' + encodeURIComponent(a.id), { method: 'DELETE' }))) again();
    } }, 'End') : '')));
  const parts = [h('h1', {}, 'Assignments'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'assignments' },
      h('thead', {}, h('tr', {}, ['Course or path', 'Assigned to', 'Due', 'Recertify', 'Learners', 'Completed', 'Overdue', ''].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows))), status];
  if (admin) parts.push(createForm(courses.courses, paths.paths, groups.groups, learners.users, again), pathsSection(courses.courses, paths.paths, again),
    catalogue(settings, again));
  else parts.push(pathsSection(courses.courses, paths.paths, null));
  main.replaceChildren(...parts);
}

function createForm(courses, paths, groups, learners, again) {
  const kind = select([['group', 'A group'], ['user', 'A learner']], 'group');
  const groupSel = select(groups.map((g) => [g.id, g.name]), '');
  const learnerSel = select(learners.map((u) => [u.id, `${u.name} <${u.email}>`]), '');
  const targetBox = h('div', {}, field('Group', groupSel));
  kind.addEventListener('change', () => targetBox.replaceChildren(...(kind.value === 'group' ? field('Group', groupSel) : field('Learner', learnerSel))));
  const what = select([...courses.map((c) => ['course:' + c.id, c.title]), ...paths.map((p) => ['path:' + p.id, 'Path: ' + p.title])], '');
  const dueKind = select([['none', 'No due date'], ['date', 'On a date'], ['days', 'Days after assignment']], 'none');
  const dueDate = h('input', { type: 'date' });
  const dueDays = h('input', { type: 'number', min: '0', max: '3650', value: '30' });
  const dueBox = h('div', {});
  dueKind.addEventListener('change', () => dueBox.replaceChildren(...(dueKind.value === 'date' ? field('Due on', dueDate) : dueKind.value === 'days' ? field('Days', dueDays) : [])));
  const recur = h('input', { type: 'number', min: '1', max: '120', placeholder: 'never' });
  const status = statusLine();
  return h('form', { class: 'card', id: 'assign', onsubmit: async (e) => {
    e.preventDefault();
    const [type, id] = what.value.split(/:(.*)/s);
    const body = { target: { type: kind.value, id: kind.value === 'group' ? groupSel.value : learnerSel.value } };
    body[type === 'course' ? 'course_id' : 'path_id'] = id;
    // A date means the end of that day, local time.
    if (dueKind.value === 'date' && dueDate.value) body.due_at = new Date(dueDate.value + 'T23:59:59').getTime();
    if (dueKind.value === 'days') body.due_days = Number(dueDays.value);
    if (recur.value) body.recur_months = Number(recur.value);
    if (await act(status, () => api('/api/v1/admin/assignments', { method: 'POST', body: JSON.stringify(body) }), (a) => `Assigned to ${a.learners} learners.`)) again();
  } },
  h('h2', {}, 'Assign'),
  h('div', { class: 'row' }, h('div', {}, field('To', kind)), targetBox, h('div', {}, field('Course or path', what))),
  h('div', { class: 'row' }, h('div', {}, field('Due', dueKind)), dueBox, h('div', {}, field('Recertify every (months)', recur))),
  status, h('button', { type: 'submit' }, 'Assign'));
}

function pathsSection(courses, paths, again) {
  const list = paths.map((p) => h('li', { 'data-path': p.id }, h('strong', {}, p.title), ': ',
    p.courses.map((c, i) => h('span', { class: 'pill' }, `${i + 1}. ${c.title}${c.mandatory ? '' : ' (optional)'}`)),
    again ? h('button', { type: 'button', class: 'secondary small', onclick: () => editor.load(p) }, 'Edit') : ''));
  const section = h('section', { class: 'card', id: 'paths' }, h('h2', {}, 'Learning paths'),
    list.length ? h('ul', {}, list) : h('p', { class: 'muted' }, 'No learning path yet.'));
  const editor = pathEditor(courses, again);
  if (again) section.append(editor.form);
  return section;
}

// A path's courses in order, each mandatory or optional; the same form creates and edits.
function pathEditor(courses, again) {
  let editing = null;
  let items = [];
  const title = h('input', { required: true });
  const list = h('ol', {});
  const add = select(courses.map((c) => [c.id, c.title]), '');
  const status = statusLine();
  const heading = h('h2', {}, 'New learning path');
  const draw = () => list.replaceChildren(...items.map((it, i) => h('li', {},
    (courses.find((c) => c.id === it.course_id) || { title: it.course_id }).title, ' ',
    h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: it.mandatory ? true : undefined,
      onchange: (e) => { it.mandatory = e.target.checked; } }), 'mandatory'),
    h('button', { type: 'button', class: 'secondary small', disabled: i === 0 ? true : undefined,
      onclick: () => { [items[i - 1], items[i]] = [items[i], items[i - 1]]; draw(); } }, '↑'),
    h('button', { type: 'button', class: 'secondary small', onclick: () => { items.splice(i, 1); draw(); } }, 'Remove'))));
  const form = h('form', { class: 'card', id: 'path-editor', onsubmit: async (e) => {
    e.preventDefault();
    const body = JSON.stringify({ title: title.value, courses: items });
    const req = editing ? api('/api/v1/admin/paths/' + encodeURIComponent(editing), { method: 'PUT', body })
      : api('/api/v1/admin/paths', { method: 'POST', body });
    if (await act(status, () => req)) again();
  } }, heading, field('Title', title), list,
  h('div', { class: 'row' }, h('div', {}, field('Course', add)),
    h('div', {}, h('button', { type: 'button', class: 'secondary', onclick: () => {
      if (add.value && !items.some((x) => x.course_id === add.value)) { items.push({ course_id: add.value, mandatory: true }); draw(); }
    } }, 'Add to path'))),
  status, h('button', { type: 'submit' }, 'Save path'));
  return {
    form,
    load(p) {
      editing = p.id;
      heading.textContent = 'Edit ' + p.title;
      title.value = p.title;
      items = p.courses.map((c) => ({ course_id: c.course_id, mandatory: c.mandatory }));
      draw();
      form.scrollIntoView();
    },
  };
}

function catalogue(settings, again) {
  const status = statusLine();
  const box = h('input', { type: 'checkbox', checked: settings.open_catalogue ? true : undefined });
  return h('form', { class: 'card', id: 'catalogue', onsubmit: async (e) => {
    e.preventDefault();
    if (await act(status, () => api('/api/v1/admin/settings', { method: 'PATCH', body: JSON.stringify({ open_catalogue: box.checked }) }), 'Saved.')) again();
  } }, h('h2', {}, 'Catalogue'),
  h('label', { class: 'check' }, box, 'Open catalogue: learners may also take courses that are not assigned to them'),
  status, h('button', { type: 'submit' }, 'Save'));
}

async function detail(main, ctx, id) {
  let data, all;
  try {
    [data, all] = await Promise.all([api(`/api/v1/admin/assignments/${encodeURIComponent(id)}/learners`), api('/api/v1/admin/assignments?include_ended=1')]);
  } catch (err) { return ctx.fail(err); }
  const a = all.assignments.find((x) => x.id === id);
  const rows = data.learners.map((l) => h('tr', { 'data-learner': l.user_id },
    h('td', {}, h('a', { href: '#/people/' + encodeURIComponent(l.user_id) }, l.name), h('br'), h('span', { class: 'muted' }, l.email)),
    h('td', {}, statusPill(l.status)),
    h('td', {}, l.courses.map((c) => h('div', {}, `${c.title}: `, statusPill(c.status), c.due_at ? ` due ${day(c.due_at)}` : '',
      c.completed_at ? ` done ${day(c.completed_at)}` : '', c.next_cycle_at ? ` · recertify from ${day(c.next_cycle_at)}` : '')))));
  main.replaceChildren(h('p', {}, h('a', { href: '#/assignments' }, '← Assignments')),
    h('h1', {}, a ? a.title : 'Assignment'),
    a ? h('p', { class: 'muted' }, `${a.target.type === 'group' ? 'Group' : 'Learner'}: ${a.target.name}`) : null,
    h('div', { class: 'table-wrap' }, h('table', { id: 'assignment-learners' },
      h('thead', {}, h('tr', {}, ['Learner', 'Status', 'Courses'].map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows))));
}
