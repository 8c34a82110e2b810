// Interoperability: a real `trailpack serve` driven only through @xapi/xapi, an xAPI
// client library written elsewhere (npm, MIT), the way third-party content would: About,
// statements (single, batch, with an attachment), queries with filters and `more`,
// voiding, the State resource with ETags, and the profile resources.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const XAPI = require('@xapi/xapi');
const { TrailpackServer } = require('../lib/server.js');

const ACTIVITY = 'https://content.example/courses/fire-safety';
const actor = { objectType: 'Agent', name: 'Interop Learner', mbox: 'mailto:interop@example.com' };

function statement(verb, activity, extra = {}) {
  return Object.assign({
    actor,
    verb,
    object: { objectType: 'Activity', id: activity, definition: { name: { 'en-US': 'Fire safety' } } },
  }, extra);
}

// The HTTP status of a rejected library call (axios errors carry the response).
async function statusOf(promise) {
  try {
    await promise;
    return 0;
  } catch (err) {
    if (!err.response) throw err;
    return err.response.status;
  }
}

test('@xapi/xapi sends, queries and voids statements, and keeps State, against the LRS', { timeout: 120000 }, async (t) => {
  const server = await new TrailpackServer().setup({ courses: [] });
  t.after(() => server.close());
  const xapi = new XAPI({ endpoint: `${server.url}/xapi/`, auth: XAPI.toBasicAuth('e2e-key', 'e2e-secret') });

  const about = await xapi.getAbout();
  assert.ok(about.data.version.includes('1.0.3'));
  assert.equal(about.headers['x-experience-api-version'], '1.0.3');

  // One statement, then a batch.
  const single = await xapi.sendStatement({ statement: statement(XAPI.Verbs.INITIALIZED, ACTIVITY) });
  assert.equal(single.status, 200);
  assert.equal(single.data.length, 1);
  const batch = await xapi.sendStatements({
    statements: [1, 2, 3, 4, 5].map((n) => statement(XAPI.Verbs.PROGRESSED, `${ACTIVITY}/page-${n}`, {
      result: { extensions: { 'https://w3id.org/xapi/cmi5/result/extensions/progress': n * 20 } },
      context: { contextActivities: { parent: [{ id: ACTIVITY }] } },
    })),
  });
  assert.equal(batch.data.length, 5);

  // With an attachment: multipart/mixed, the data checked against its sha2.
  const text = 'here is a simple attachment';
  const sha2 = crypto.createHash('sha256').update(text).digest('hex');
  const withAttachment = statement(XAPI.Verbs.COMPLETED, ACTIVITY, {
    attachments: [{
      usageType: XAPI.AttachmentUsages.SUPPORTING_MEDIA,
      display: { 'en-US': 'Notes' },
      contentType: 'text/plain',
      length: Buffer.byteLength(text),
      sha2,
    }],
  });
  // Through the library's fetch adapter: under node its default (axios) adapter labels
  // the multipart Blob application/octet-stream, which the LRS rightly refuses (400).
  const xapiFetch = new XAPI({ endpoint: `${server.url}/xapi/`, auth: XAPI.toBasicAuth('e2e-key', 'e2e-secret'), adapter: 'fetch' });
  const sent = await xapiFetch.sendStatement({ statement: withAttachment, attachments: [text] });
  assert.equal(sent.status, 200);
  const completedId = sent.data[0];
  const fetched = await xapi.getStatement({ statementId: completedId, attachments: true });
  assert.match(fetched.headers['content-type'], /^multipart\/mixed; boundary=/);
  assert.equal(fetched.data[0].id, completedId);
  assert.equal(fetched.data[0].attachments[0].sha2, sha2);
  assert.equal(fetched.data[1], text);

  // Queries: by agent with a small limit, following `more` to the end.
  const seen = [];
  let page = await xapi.getStatements({ agent: actor, limit: 3 });
  assert.equal(page.data.statements.length, 3);
  for (;;) {
    seen.push(...page.data.statements.map((s) => s.id));
    if (!page.data.more) break;
    page = await xapi.getMoreStatements({ more: page.data.more });
  }
  assert.equal(seen.length, 7);
  assert.equal(new Set(seen).size, 7);
  const progressed = await xapi.getStatements({ verb: XAPI.Verbs.PROGRESSED.id, activity: ACTIVITY, related_activities: true });
  assert.equal(progressed.data.statements.length, 5);
  const ascending = await xapi.getStatements({ ascending: true, limit: 1 });
  assert.equal(ascending.data.statements[0].id, single.data[0]);
  assert.ok(ascending.headers['x-experience-api-consistent-through']);

  // Voiding: the statement leaves queries and is fetched only as voided.
  const voided = await xapi.voidStatement({ actor, statementId: single.data[0] });
  assert.equal(voided.status, 200);
  assert.equal(await statusOf(xapi.getStatement({ statementId: single.data[0] })), 404);
  const asVoided = await xapi.getVoidedStatement({ voidedStatementId: single.data[0] });
  assert.equal(asVoided.data.id, single.data[0]);
  // The voided statement is gone from queries; the voiding statement matches the verb
  // filter through the statement it targets (part three 2.1.3, StatementRef rule).
  const initialized = await xapi.getStatements({ verb: XAPI.Verbs.INITIALIZED.id });
  assert.deepEqual(initialized.data.statements.map((s) => s.id), [voided.data[0]]);

  // State: set, merge, read with its ETag, list, guarded change, delete.
  const registration = crypto.randomUUID();
  const where = { agent: actor, activityId: ACTIVITY, registration };
  await xapi.setState({ ...where, stateId: 'bookmark', state: { page: 3, zoom: 1 } });
  await xapi.createState({ ...where, stateId: 'bookmark', state: { page: 4 } });
  const state = await xapi.getState({ ...where, stateId: 'bookmark' });
  assert.deepEqual(state.data, { page: 4, zoom: 1 });
  const etag = state.headers.etag;
  assert.equal(etag, `"${crypto.createHash('sha1').update(JSON.stringify({ page: 4, zoom: 1 })).digest('hex')}"`);
  await xapi.setState({ ...where, stateId: 'suspend', state: 'c2xpZGU9Nw==', contentType: 'text/plain' });
  assert.deepEqual((await xapi.getStates(where)).data, ['bookmark', 'suspend']);
  assert.equal(await statusOf(xapi.setState({ ...where, stateId: 'bookmark', state: { page: 9 }, etag: '"stale"', matchHeader: 'If-Match' })), 412);
  await xapi.setState({ ...where, stateId: 'bookmark', state: { page: 9 }, etag, matchHeader: 'If-Match' });
  assert.deepEqual((await xapi.getState({ ...where, stateId: 'bookmark' })).data, { page: 9 });
  await xapi.deleteState({ ...where, stateId: 'suspend' });
  assert.equal(await statusOf(xapi.getState({ ...where, stateId: 'suspend' })), 404);
  await xapi.deleteStates(where);
  assert.deepEqual((await xapi.getStates(where)).data, []);

  // Profiles, with the concurrency the spec asks of them.
  await xapi.setActivityProfile({ activityId: ACTIVITY, profileId: 'config', profile: { passing: 0.8 }, etag: '*', matchHeader: 'If-None-Match' });
  assert.equal(await statusOf(xapi.setActivityProfile({ activityId: ACTIVITY, profileId: 'config', profile: { passing: 0.1 }, etag: '*', matchHeader: 'If-None-Match' })), 412);
  assert.deepEqual((await xapi.getActivityProfile({ activityId: ACTIVITY, profileId: 'config' })).data, { passing: 0.8 });
  await xapi.createAgentProfile({ agent: actor, profileId: 'preferences', profile: { language: 'fr' } });
  assert.deepEqual((await xapi.getAgentProfiles({ agent: actor })).data, ['preferences']);

  // Activities and Agents.
  const activity = await xapi.getActivity({ activityId: ACTIVITY });
  assert.equal(activity.data.objectType, 'Activity');
  assert.deepEqual(activity.data.definition.name, { 'en-US': 'Fire safety' });
  const person = await xapi.getAgent({ agent: actor });
  assert.deepEqual(person.data, { objectType: 'Person', name: ['Interop Learner'], mbox: ['mailto:interop@example.com'] });
});
