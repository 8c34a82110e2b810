// One xAPI statement like those the engine records for a quiz answer (about 900 bytes),
// shared by every benchmark (node and browser pages) so all systems store the same bodies.
(function (root) {
  'use strict';
  function answerStatement({ homePage = 'https://lms.example.org', account = 'u-bench', course = 'bench-course', i = 0, ts = Date.now() } = {}) {
    return {
      id: crypto.randomUUID(),
      actor: { objectType: 'Agent', name: 'Bench Learner', account: { homePage, name: account } },
      verb: { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered' } },
      object: { objectType: 'Activity', id: `urn:trailpack:course:${course}:question:q${i % 40}`,
        definition: { type: 'http://adlnet.gov/expapi/activities/cmi.interaction', interactionType: 'choice',
          name: { en: `Question ${i % 40} of the benchmark course` } } },
      result: { success: i % 3 !== 0, response: 'b', score: { scaled: i % 3 !== 0 ? 1 : 0 }, duration: 'PT12.5S' },
      context: { registration: crypto.randomUUID(), language: 'en',
        contextActivities: { parent: [{ id: `urn:trailpack:course:${course}:item:quiz-${i % 7}` }],
          grouping: [{ id: `urn:trailpack:course:${course}` }] },
        extensions: { 'urn:trailpack:ext:bundle-version': 1, 'urn:trailpack:ext:attempt': 1 + (i % 2) } },
      timestamp: new Date(ts).toISOString(),
    };
  }
  if (typeof module !== 'undefined' && module.exports) module.exports = { answerStatement };
  else root.answerStatement = answerStatement;
})(typeof self !== 'undefined' ? self : globalThis);
