// Active time: visible and not idle only.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

// A minimal DOM for the module: document.hidden, visibilitychange, input events.
function fakeDom() {
  const listeners = {};
  const on = (target) => ({
    addEventListener: (e, f) => { (listeners[target + e] ||= []).push(f); },
    removeEventListener: () => {},
  });
  global.document = Object.assign(on('doc:'), { hidden: false });
  global.window = on('win:');
  return { fire: (target, e) => (listeners[target + e] || []).forEach((f) => f()) };
}

test('counts visible, non-idle time only', async () => {
  const dom = fakeDom();
  const { ActiveTimer, IDLE_MS } = await import(path.resolve(__dirname, '../../web/app/timer.js'));
  let now = 1000;
  const timer = new ActiveTimer(() => now);
  now += 30000;
  assert.equal(timer.ms(), 30000);
  // Hidden for 10 minutes: not counted.
  document.hidden = true; dom.fire('doc:', 'visibilitychange');
  now += 600000;
  document.hidden = false; dom.fire('doc:', 'visibilitychange');
  now += 5000;
  assert.equal(timer.ms(), 35000);
  // Left alone for an hour: only IDLE_MS after the last input counts.
  now += 3600000;
  assert.equal(timer.ms(), 35000 - 5000 + IDLE_MS);
  // Back, with an input: counting resumes from now.
  dom.fire('win:', 'keydown');
  now += 10000;
  assert.equal(timer.ms(), 30000 + IDLE_MS + 10000);
});
