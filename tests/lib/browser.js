// Debian's Chromium driven by playwright-core (never a downloaded browser).
'use strict';
const { chromium } = require('playwright-core');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps'];

async function launch({ locale = 'en-GB', clockOffset = null } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trailpack-chromium-'));
  let executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (clockOffset) {
    // A device whose clock is wrong: the whole browser (page and Workers) runs under
    // libfaketime, e.g. clockOffset '+3d'.
    const wrapper = path.join(userDataDir, 'chromium-skewed');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec faketime -f "${clockOffset}" "${executablePath}" "$@"\n`, { mode: 0o755 });
    executablePath = wrapper;
  }
  // A persistent context keeps OPFS, IndexedDB and the service worker across page reloads
  // and across pages, as a real profile does.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: ARGS,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    isMobile: false,
    locale,
  });
  const errors = [];
  context.on('weberror', (e) => errors.push(String(e.error())));
  return {
    context,
    errors,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

module.exports = { launch };
