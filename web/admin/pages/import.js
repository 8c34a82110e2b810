// CSV import of people: check the file first (a dry run lists every bad row with its line
// number), then import. Importing the same file again changes nothing.
import { h, api, field, statusLine } from '../lib.js';

export const title = 'Import';
export const roles = ['admin'];

export async function render(main) {
  const file = h('input', { type: 'file', accept: '.csv,text/csv' });
  const status = statusLine();
  const report = h('div', { id: 'import-report' });
  let text = null;
  let checked = false;
  const apply = h('button', { type: 'button', id: 'import-apply', disabled: true }, 'Import');
  const check = h('button', { type: 'button', id: 'import-check', class: 'secondary' }, 'Check the file');

  async function send(dry) {
    if (!file.files[0]) return status.set('Choose a CSV file first.', true);
    text = await file.files[0].text();
    try {
      const r = await api('/api/v1/admin/users/import' + (dry ? '?dry_run=1' : ''), { method: 'POST', body: text, headers: { 'content-type': 'text/csv' } });
      show(r, dry);
      checked = dry;
      apply.disabled = !dry;
      status.set(dry ? 'Checked: nothing was changed yet.' : 'Imported.', false);
    } catch (err) {
      report.replaceChildren();
      apply.disabled = true;
      status.set(err.where ? `${err.where}: ${err.message}` : err.message, true);
    }
  }

  function show(r, dry) {
    const verb = dry ? 'would be' : 'were';
    report.replaceChildren(
      h('p', { id: 'import-summary' }, `${r.rows} rows: ${r.created} ${verb} created, ${r.updated} ${verb} updated, ${r.unchanged} unchanged, ${r.errors.length} with errors.`),
      r.errors.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'import-errors' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Line'), h('th', { scope: 'col' }, 'Problem'))),
        h('tbody', {}, r.errors.map((e) => h('tr', {}, h('td', {}, String(e.line)), h('td', {}, e.message)))))) : null);
  }

  file.addEventListener('change', () => { checked = false; apply.disabled = true; report.replaceChildren(); status.set(''); });
  check.addEventListener('click', () => send(true));
  apply.addEventListener('click', () => { if (checked) send(false); });
  main.replaceChildren(h('h1', {}, 'Import people'),
    h('section', { class: 'card' },
      h('p', {}, 'A CSV file with a header row: ', h('code', {}, 'email,name'), ' and optionally ', h('code', {}, 'role,team,site,job_role,groups'),
        ' (groups separated by ";"; they are created if needed, and their members receive the groups\' assignments). Rows are matched by email.'),
      field('CSV file', file), h('div', { class: 'row' }, check, apply), status, report));
}
