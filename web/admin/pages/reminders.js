// Reminders: the organisation's rules (due soon, overdue, cold evaluation, escalation to
// managers), "send now", and the history with device and webhook delivery.
import { h, api, when, day, field, select, statusLine, act, isAdmin } from '../lib.js';
import { statusPill } from './people.js';

export const title = 'Reminders';

const KINDS = {
  due_soon: 'Due soon: days before the due date',
  overdue: 'Overdue: days after the due date',
  cold_due: 'Cold evaluation open: days after it opens',
  escalation: 'Escalation to managers: days overdue',
  manual: 'Written by staff',
};
const PAGE = 50;
let offset = 0;

export async function render(main, ctx) {
  let rules, history;
  try {
    [rules, history] = await Promise.all([api('/api/v1/admin/reminder-rules'), api(`/api/v1/admin/reminders?offset=${offset}&limit=${PAGE}`)]);
  } catch (err) { return ctx.fail(err); }
  const admin = isAdmin(ctx.user);
  const again = () => render(main, ctx);
  const status = statusLine();
  const ruleRows = rules.rules.map((r) => {
    const days = h('input', { type: 'number', min: '0', max: '365', value: String(r.days), 'aria-label': 'Days', disabled: admin ? undefined : true });
    return h('tr', { 'data-rule': r.id },
      h('td', {}, KINDS[r.kind] || r.kind), h('td', {}, days),
      h('td', {}, r.enabled ? 'on' : 'off'),
      h('td', {}, admin ? [
        h('button', { class: 'secondary small', onclick: async () => {
          if (await act(status, () => api('/api/v1/admin/reminder-rules/' + encodeURIComponent(r.id), { method: 'PATCH', body: JSON.stringify({ days: Number(days.value) }) }), 'Saved.')) again();
        } }, 'Save'),
        h('button', { class: 'secondary small', onclick: async () => {
          if (await act(status, () => api('/api/v1/admin/reminder-rules/' + encodeURIComponent(r.id), { method: 'PATCH', body: JSON.stringify({ enabled: !r.enabled }) }))) again();
        } }, r.enabled ? 'Turn off' : 'Turn on'),
        h('button', { class: 'secondary small', onclick: async () => {
          if (await act(status, () => api('/api/v1/admin/reminder-rules/' + encodeURIComponent(r.id), { method: 'DELETE' }))) again();
        } }, 'Delete')] : ''));
  });
  const parts = [h('h1', {}, 'Reminders'),
    h('p', { class: 'muted' }, 'Rules are checked every minute. Each rule reminds a learner once per assignment; learners see reminders at their next sync. ',
      rules.webhook.configured ? 'Reminders are also posted to the configured webhook.' : 'No webhook is configured (see the operations guide).'),
    h('section', { class: 'card', id: 'rules' }, h('h2', {}, 'Rules'),
      h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, ['Rule', 'Days', 'State', ''].map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, ruleRows))),
      status,
      admin ? h('button', { type: 'button', id: 'send-now', onclick: async () => {
        if (await act(status, () => api('/api/v1/admin/reminders/run', { method: 'POST' }), (r) => `${r.created} reminders sent.`)) setTimeout(again, 1200);
      } }, 'Send now') : null),
    admin ? addRule(again) : null];

  const rows = history.reminders.map((r) => h('tr', { 'data-reminder': r.id },
    h('td', {}, when(r.created_ms)), h('td', {}, r.kind.replace('_', ' ')),
    h('td', {}, r.learner.name || r.learner.id),
    h('td', {}, r.kind === 'escalation' ? (r.recipients.map((x) => x.name).join(', ') || 'no manager') : 'learner'),
    h('td', {}, r.message, r.due_at ? h('span', { class: 'muted' }, ` (due ${day(r.due_at)})`) : ''),
    h('td', {}, r.kind === 'escalation' ? '—' : r.acked_ms ? 'seen' : r.delivered_ms ? 'delivered' : 'waiting for sync'),
    h('td', {}, r.webhook.state === 'none' ? '—' : statusPill(r.webhook.state), r.webhook.error ? h('span', { class: 'muted' }, ' ' + r.webhook.error) : '')));
  parts.push(h('section', { class: 'card', id: 'history' }, h('h2', {}, 'History'),
    rows.length ? h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['When', 'Kind', 'Learner', 'To', 'Message', 'Device', 'Webhook'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows))) : h('p', { class: 'muted' }, 'No reminder yet.'),
    h('div', { class: 'pager' },
      h('button', { class: 'secondary small', disabled: offset === 0 ? true : undefined, onclick: () => { offset = Math.max(0, offset - PAGE); again(); } }, 'Newer'),
      h('span', { class: 'muted' }, `${history.total} in all`),
      h('button', { class: 'secondary small', disabled: offset + rows.length >= history.total ? true : undefined, onclick: () => { offset += PAGE; again(); } }, 'Older'))));
  main.replaceChildren(...parts);
}

function addRule(again) {
  const kind = select(Object.entries(KINDS).filter(([k]) => k !== 'manual'), 'due_soon');
  const days = h('input', { type: 'number', min: '0', max: '365', value: '1', required: true });
  const status = statusLine();
  return h('form', { class: 'card', id: 'add-rule', onsubmit: async (e) => {
    e.preventDefault();
    if (await act(status, () => api('/api/v1/admin/reminder-rules', { method: 'POST', body: JSON.stringify({ kind: kind.value, days: Number(days.value) }) }))) again();
  } }, h('h2', {}, 'Add a rule'), h('div', { class: 'row' }, h('div', {}, field('Kind', kind)), h('div', {}, field('Days', days))),
  status, h('button', { type: 'submit' }, 'Add'));
}
