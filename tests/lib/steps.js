// UI steps that many end-to-end tests take the same way: enrolling a device, syncing it,
// signing in to the console. What a test checks after each step stays in the test.
'use strict';

/** Opens the enrollment link (the one-time code is in the fragment) and enrolls this browser. */
async function enroll(page, url, code) {
  await page.goto(`${url}/#enroll=${code}`);
  await page.getByRole('button', { name: 'Enroll this device' }).click();
}

/** Presses the sync status button and waits until the device has nothing left to push. */
async function syncNow(page, { timeout = 30000 } = {}) {
  await page.locator('#sync-status').click();
  await page.waitForFunction(() => document.querySelector('#sync-status').dataset.unsynced === '0', null, { timeout });
}

/** Signs in to the console at /admin/ and waits for its navigation. */
async function signInToConsole(page, url, email, password) {
  await page.goto(`${url}/admin/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation').waitFor();
}

module.exports = { enroll, syncNow, signInToConsole };
