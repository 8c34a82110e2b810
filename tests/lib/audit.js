// Accessibility audits with axe-core (WCAG 2.x A/AA rules) and phone-size screenshots.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe on the page; returns the serious and critical violations (empty when clean). */
async function axeSerious(page) {
  await page.evaluate(AXE);  // evaluated, not injected as a tag, so the app's CSP is unchanged
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Saves a screenshot when TRAILPACK_SCREENSHOTS names a folder (docs/screenshots in CI runs). */
async function shot(page, name) {
  const dir = process.env.TRAILPACK_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name + '.png') });
}

module.exports = { axeSerious, shot };
