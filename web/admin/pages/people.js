// People: search and page through the organisation's people, add and edit them, their
// devices and enrollment codes (link and QR code), and the groups they belong to.
// Managers see the learners of their groups; changes are for admins.
import { h, api, when, day, field, select, statusLine, act, isAdmin } from '../lib.js';

export const title = 'People';

const PAGE = 25;
const state = { q: '', role: '', status: 'all', group: '', offset: 0 };

export async function render(main, ctx) {
  const [first, second] = ctx.params;
  if (first === 'groups') return groups(main, ctx);
  if (first === 'group' && second) return group(main, ctx, second);
  if (first) return person(main, ctx, first);
  return list(main, ctx);
}

function subnav(current) {
  return h('div', { class: 'subnav' },
    h('a', { href: '#/people', 'aria-current': current === 'people' ? 'page' : undefined }, 'People'),
    h('a', { href: '#/people/groups', 'aria-current': current === 'groups' ? 'page' : undefined }, 'Groups'));
}

async function list(main, ctx) {
  let data, groupsList;
  const query = new URLSearchParams({ offset: state.offset, limit: PAGE, status: state.status });
  if (state.q) query.set('q', state.q);
  if (state.role) query.set('role', state.role);
  if (state.group) query.set('group', state.group);
  try {
    [data, groupsList] = await Promise.all([api('/api/v1/admin/users?' + query), api('/api/v1/admin/groups')]);
  } catch (err) { return ctx.fail(err); }

  const q = h('input', { type: 'search', value: state.q, placeholder: 'Name or email' });
  const role = select([['', 'Any role'], ['learner', 'Learners'], ['manager', 'Managers'], ['admin', 'Admins']], state.role);
  const status = select([['all', 'Active and inactive'], ['active', 'Active'], ['inactive', 'Deactivated']], state.status);
  const grp = select([['', 'Any group'], ...groupsList.groups.map((g) => [g.id, g.name])], state.group);
  const filters = h('form', { class: 'card row', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    Object.assign(state, { q: q.value.trim(), role: role.value, status: status.value, group: grp.value, offset: 0 });
    list(main, ctx);
  } },
  h('div', {}, field('Search', q)), h('div', {}, field('Role', role)), h('div', {}, field('Status', status)),
  h('div', {}, field('Group', grp)), h('div', {}, h('button', { type: 'submit' }, 'Search')));

  const rows = data.users.map((u) => h('tr', { 'data-user': u.id },
    h('td', {}, h('a', { href: '#/people/' + encodeURIComponent(u.id) }, u.name), h('br'), h('span', { class: 'muted' }, u.email)),
    h('td', {}, u.role),
    h('td', {}, [u.team, u.site, u.job_role].filter(Boolean).join(' · ') || '—'),
    h('td', {}, u.groups.map((g) => h('span', { class: 'pill' }, g.name))),
    h('td', {}, String(u.devices), h('br'), h('span', { class: 'muted' }, when(u.last_sync))),
    h('td', {}, u.active ? 'active' : h('span', { class: 'pill failed' }, 'deactivated'))));
  const pager = h('div', { class: 'pager' },
    h('button', { class: 'secondary small', disabled: state.offset === 0 ? true : undefined,
      onclick: () => { state.offset = Math.max(0, state.offset - PAGE); list(main, ctx); } }, 'Previous'),
    h('span', { class: 'muted' }, data.total ? `${data.offset + 1}–${data.offset + data.users.length} of ${data.total}` : 'nobody'),
    h('button', { class: 'secondary small', disabled: data.offset + data.users.length >= data.total ? true : undefined,
      onclick: () => { state.offset += PAGE; list(main, ctx); } }, 'Next'));

  main.replaceChildren(
    h('h1', {}, 'People'), subnav('people'), filters,
    h('div', { class: 'table-wrap' }, h('table', { id: 'people' },
      h('thead', {}, h('tr', {}, ['Person', 'Role', 'Team · site · job', 'Groups', 'Devices · last sync', 'Status'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows))),
    pager,
    isAdmin(ctx.user) ? addPerson(ctx, groupsList.groups, () => list(main, ctx)) : null);
}

function addPerson(ctx, groupsList, refresh) {
  const email = h('input', { type: 'email', required: true, autocomplete: 'off' });
  const name = h('input', { required: true, autocomplete: 'off' });
  const role = select([['learner', 'Learner'], ['manager', 'Manager']], 'learner');
  const team = h('input', {}), site = h('input', {}), job = h('input', {});
  const grp = select([['', 'No group'], ...groupsList.map((g) => [g.id, g.name])], '');
  const status = statusLine();
  return h('form', { class: 'card', id: 'add-person', onsubmit: async (e) => {
    e.preventDefault();
    const body = { email: email.value, name: name.value, role: role.value, team: team.value, site: site.value, job_role: job.value };
    if (grp.value) body.groups = [grp.value];
    const u = await act(status, () => api('/api/v1/admin/users', { method: 'POST', body: JSON.stringify(body) }), (u) => `Added ${u.name}.`);
    if (u) { location.hash = '#/people/' + encodeURIComponent(u.id); }
  } },
  h('h2', {}, 'Add a person'),
  h('div', { class: 'row' }, h('div', {}, field('Email', email)), h('div', {}, field('Name', name)), h('div', {}, field('Role', role))),
  h('div', { class: 'row' }, h('div', {}, field('Team', team)), h('div', {}, field('Site', site)), h('div', {}, field('Job role', job)),
    h('div', {}, field('Group', grp))),
  status, h('button', { type: 'submit' }, 'Add'));
  // refresh is kept for symmetry with other forms that stay on the list
}

async function person(main, ctx, id) {
  let u, assigned;
  try {
    u = await api('/api/v1/admin/users/' + encodeURIComponent(id));
    assigned = u.role === 'learner' ? await api(`/api/v1/admin/learners/${encodeURIComponent(id)}/assignments`) : null;
  } catch (err) { return ctx.fail(err); }
  const admin = isAdmin(ctx.user);
  const again = () => person(main, ctx, id);
  const parts = [h('p', {}, h('a', { href: '#/people' }, '← People')), h('h1', {}, u.name),
    h('p', { class: 'muted' }, `${u.email} · ${u.role} · ${u.active ? 'active' : 'deactivated'}`)];

  if (admin && u.role !== 'admin') parts.push(editPerson(u, again));
  if (u.role === 'learner') parts.push(enrollment(u));
  parts.push(devices(u, again));
  if (assigned) parts.push(assignmentsOf(assigned));
  if (u.role === 'learner') parts.push(nudge(u));
  main.replaceChildren(...parts);
}

function editPerson(u, again) {
  const name = h('input', { value: u.name, required: true });
  const email = h('input', { type: 'email', value: u.email, required: true });
  const role = select([['learner', 'Learner'], ['manager', 'Manager']], u.role);
  const team = h('input', { value: u.team }), site = h('input', { value: u.site }), job = h('input', { value: u.job_role });
  const password = h('input', { type: 'password', autocomplete: 'new-password', placeholder: 'unchanged' });
  const status = statusLine();
  const save = h('form', { class: 'card', id: 'edit-person', onsubmit: async (e) => {
    e.preventDefault();
    const body = { name: name.value, email: email.value, role: role.value, team: team.value, site: site.value, job_role: job.value };
    if (password.value) body.password = password.value;
    if (await act(status, () => api('/api/v1/admin/users/' + encodeURIComponent(u.id), { method: 'PATCH', body: JSON.stringify(body) }), 'Saved.')) again();
  } },
  h('h2', {}, 'Profile'),
  h('div', { class: 'row' }, h('div', {}, field('Name', name)), h('div', {}, field('Email', email)), h('div', {}, field('Role', role))),
  h('div', { class: 'row' }, h('div', {}, field('Team', team)), h('div', {}, field('Site', site)), h('div', {}, field('Job role', job))),
  u.role === 'manager' ? field('New console password (managers)', password) : null,
  status,
  h('div', { class: 'row' },
    h('button', { type: 'submit' }, 'Save'),
    h('button', { type: 'button', class: 'secondary', onclick: async () => {
      const verb = u.active ? 'deactivate' : 'reactivate';
      if (u.active && !confirm(`Deactivate ${u.name}? Every device and session of theirs is signed out.`)) return;
      if (await act(status, () => api(`/api/v1/admin/users/${encodeURIComponent(u.id)}/${verb}`, { method: 'POST' }))) again();
    } }, u.active ? 'Deactivate' : 'Reactivate')));
  return save;
}

// An enrollment code, its link and a QR code of the link. The code is sent in a POST body,
// never in a URL; the QR image is an SVG made by the server, shown from a blob: URL.
function enrollment(u) {
  const out = h('div', {});
  const status = statusLine();
  return h('section', { class: 'card', id: 'enrollment' }, h('h2', {}, 'Enroll a device'),
    h('p', { class: 'muted' }, 'A code works for 14 days and 5 devices. Show the QR code to the learner, or send the link.'),
    h('button', { type: 'button', disabled: u.active ? undefined : true, onclick: async () => {
      const c = await act(status, () => api(`/api/v1/admin/users/${encodeURIComponent(u.id)}/enrollment-codes`, { method: 'POST' }));
      if (!c) return;
      const svg = await act(status, () => api('/api/v1/admin/enrollment-qr', { method: 'POST', body: JSON.stringify({ code: c.code }) }));
      const img = h('img', { class: 'qr', alt: 'QR code of the enrollment link' });
      if (svg) img.src = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
      out.replaceChildren(h('p', {}, 'Code: ', h('span', { class: 'code', id: 'enroll-code' }, c.code)),
        h('p', {}, 'Link: ', h('a', { href: c.link, id: 'enroll-link' }, c.link)), img);
    } }, 'New enrollment code'), status, out);
}

function devices(u, again) {
  const status = statusLine();
  const rows = (u.device_list || []).map((d) => h('tr', { 'data-device': d.id },
    h('td', {}, d.name || d.id), h('td', {}, when(d.created_ms)), h('td', {}, when(d.last_push_ms)), h('td', {}, when(d.last_pull_ms)),
    h('td', {}, d.active ? 'active' : h('span', { class: 'pill failed' }, 'revoked')),
    h('td', {}, d.active ? h('button', { class: 'secondary small', onclick: async () => {
      if (!confirm('Revoke this device? It must enroll again to sync.')) return;
      if (await act(status, () => api(`/api/v1/admin/devices/${encodeURIComponent(d.id)}/revoke`, { method: 'POST' }))) again();
    } }, 'Revoke') : '')));
  return h('section', { class: 'card', id: 'devices' }, h('h2', {}, 'Devices'),
    rows.length ? h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Device', 'Enrolled', 'Last push', 'Last pull', 'Status', ''].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows))) : h('p', { class: 'muted' }, 'No device enrolled.'), status);
}

export function statusPill(s) {
  return h('span', { class: 'pill ' + s }, s);
}

function assignmentsOf(data) {
  const rows = data.assignments.filter((a) => a.current).map((a) => h('tr', {},
    h('td', {}, a.title, a.path ? h('span', { class: 'muted' }, ` (${a.path.title}${a.mandatory ? '' : ', optional'})`) : ''),
    h('td', {}, String(a.cycle)), h('td', {}, day(a.assigned_at)), h('td', {}, day(a.due_at)), h('td', {}, statusPill(a.status)),
    h('td', {}, day(a.completed_at))));
  const s = data.summary;
  return h('section', { class: 'card', id: 'assignments' }, h('h2', {}, 'Assigned'),
    h('p', { class: 'muted' }, `${s.assigned} to do · ${s.overdue} overdue · ${s.completed} completed`),
    rows.length ? h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Course', 'Cycle', 'Assigned', 'Due', 'Status', 'Completed'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows))) : h('p', { class: 'muted' }, 'Nothing assigned.'));
}

function nudge(u) {
  const message = h('textarea', { maxlength: '500', required: true });
  const status = statusLine();
  return h('form', { class: 'card', id: 'nudge', onsubmit: async (e) => {
    e.preventDefault();
    if (await act(status, () => api('/api/v1/admin/reminders', { method: 'POST', body: JSON.stringify({ learner_id: u.id, message: message.value }) }),
      'Sent: the learner sees it at their next sync.')) message.value = '';
  } }, h('h2', {}, 'Send a reminder'), field('Message', message), status, h('button', { type: 'submit' }, 'Send'));
}

// ---------------------------------------------------------------- groups

function tree(groupsList) {
  const byParent = new Map();
  const ids = new Set(groupsList.map((g) => g.id));
  for (const g of groupsList) {
    const p = g.parent_id && ids.has(g.parent_id) ? g.parent_id : '';
    if (!byParent.has(p)) byParent.set(p, []);
    byParent.get(p).push(g);
  }
  const out = [];
  const walk = (p, depth) => { for (const g of byParent.get(p) || []) { out.push([g, depth]); walk(g.id, depth + 1); } };
  walk('', 0);
  return out;
}

async function groups(main, ctx) {
  let data;
  try { data = await api('/api/v1/admin/groups'); } catch (err) { return ctx.fail(err); }
  const ordered = tree(data.groups);
  const rows = ordered.map(([g, depth]) => h('tr', { 'data-group': g.id },
    h('td', {}, h('span', { style: { paddingLeft: `${depth * 20}px` } }, depth ? '└ ' : ''), h('a', { href: '#/people/group/' + encodeURIComponent(g.id) }, g.name)),
    h('td', {}, String(g.members)), h('td', {}, g.managers.map((m) => h('span', { class: 'pill' }, m.name)))));
  const parts = [h('h1', {}, 'Groups'), subnav('groups'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'groups' },
      h('thead', {}, h('tr', {}, ['Group', 'Members', 'Managers'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows)))];
  if (isAdmin(ctx.user)) {
    const name = h('input', { required: true });
    const parent = select([['', 'Top level'], ...ordered.map(([g, d]) => [g.id, '— '.repeat(d) + g.name])], '');
    const status = statusLine();
    parts.push(h('form', { class: 'card', id: 'add-group', onsubmit: async (e) => {
      e.preventDefault();
      const body = { name: name.value };
      if (parent.value) body.parent_id = parent.value;
      if (await act(status, () => api('/api/v1/admin/groups', { method: 'POST', body: JSON.stringify(body) }))) groups(main, ctx);
    } }, h('h2', {}, 'New group'), h('div', { class: 'row' }, h('div', {}, field('Name', name)), h('div', {}, field('Inside', parent))),
    status, h('button', { type: 'submit' }, 'Create')));
  }
  main.replaceChildren(...parts);
}

async function group(main, ctx, id) {
  let all, members, learners, managers;
  const admin = isAdmin(ctx.user);
  try {
    [all, members] = await Promise.all([api('/api/v1/admin/groups'), api(`/api/v1/admin/groups/${encodeURIComponent(id)}/members`)]);
    if (admin) {
      [learners, managers] = await Promise.all([api('/api/v1/admin/users?status=active&limit=200&role=learner'),
        api('/api/v1/admin/users?status=active&limit=200&role=manager')]);
    }
  } catch (err) { return ctx.fail(err); }
  const g = all.groups.find((x) => x.id === id);
  if (!g) return ctx.fail(new Error('This group is not visible to you.'));
  const again = () => group(main, ctx, id);
  const status = statusLine();
  const base = `/api/v1/admin/groups/${encodeURIComponent(id)}`;
  const memberRows = members.members.map((u) => h('tr', {},
    h('td', {}, h('a', { href: '#/people/' + encodeURIComponent(u.id) }, u.name), h('br'), h('span', { class: 'muted' }, u.email)),
    h('td', {}, u.role),
    h('td', {}, admin ? h('button', { class: 'secondary small', onclick: async () => {
      if (await act(status, () => api(`${base}/members/${encodeURIComponent(u.id)}`, { method: 'DELETE' }))) again();
    } }, 'Remove') : '')));
  const parts = [h('p', {}, h('a', { href: '#/people/groups' }, '← Groups')), h('h1', {}, g.name),
    h('p', { class: 'muted' }, 'Managers: ', g.managers.length ? g.managers.map((m) => m.name).join(', ') : 'none',
      '. Members of subgroups also receive this group\'s assignments.'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'members' },
      h('thead', {}, h('tr', {}, ['Member', 'Role', ''].map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, memberRows))), status];
  if (admin) {
    const inGroup = new Set(members.members.map((u) => u.id));
    const who = select(learners.users.filter((u) => !inGroup.has(u.id)).map((u) => [u.id, `${u.name} <${u.email}>`]), '');
    const rename = h('input', { value: g.name, required: true });
    const descendants = new Set([id]);
    let grew = true;
    while (grew) { grew = false; for (const x of all.groups) if (x.parent_id && descendants.has(x.parent_id) && !descendants.has(x.id)) { descendants.add(x.id); grew = true; } }
    const parent = select([['', 'Top level'], ...all.groups.filter((x) => !descendants.has(x.id)).map((x) => [x.id, x.name])], g.parent_id || '');
    const mgr = select(managers.users.filter((m) => !g.managers.some((x) => x.id === m.id)).map((m) => [m.id, `${m.name} <${m.email}>`]), '');
    parts.push(
      h('form', { class: 'card', id: 'add-member', onsubmit: async (e) => {
        e.preventDefault();
        if (!who.value) return;
        if (await act(status, () => api(`${base}/members`, { method: 'POST', body: JSON.stringify({ user_ids: [who.value] }) }))) again();
      } }, h('h2', {}, 'Add a member'), field('Learner', who), h('button', { type: 'submit' }, 'Add')),
      h('form', { class: 'card', id: 'edit-group', onsubmit: async (e) => {
        e.preventDefault();
        const body = { name: rename.value, parent_id: parent.value || null };
        if (await act(status, () => api(base, { method: 'PATCH', body: JSON.stringify(body) }))) again();
      } }, h('h2', {}, 'Rename or move'), h('div', { class: 'row' }, h('div', {}, field('Name', rename)), h('div', {}, field('Inside', parent))),
      h('button', { type: 'submit' }, 'Save')),
      h('form', { class: 'card', id: 'managers', onsubmit: async (e) => {
        e.preventDefault();
        if (!mgr.value) return;
        if (await act(status, () => api(`${base}/managers`, { method: 'POST', body: JSON.stringify({ user_id: mgr.value }) }))) again();
      } }, h('h2', {}, 'Managers'),
      h('p', {}, g.managers.map((m) => h('span', { class: 'pill' }, m.name, ' ', h('button', { type: 'button', class: 'secondary small',
        'aria-label': 'Remove manager ' + m.name, onclick: async () => {
          if (await act(status, () => api(`${base}/managers/${encodeURIComponent(m.id)}`, { method: 'DELETE' }))) again();
        } }, '×')))),
      field('Manager', mgr), h('button', { type: 'submit' }, 'Add manager')));
  }
  main.replaceChildren(...parts);
}
