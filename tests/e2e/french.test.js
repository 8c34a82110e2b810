// The whole flow in French: enrollment, home, the French course played to the end. No
// English UI string may appear on any screen (English catalogue values that differ from
// the French ones are searched for in the visible text).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { TrailpackServer, ROOT } = require('../lib/server.js');
const { launch } = require('../lib/browser.js');
const { answerKey, LearnerRobot } = require('../lib/learner.js');
const { axeSerious } = require('../lib/audit.js');

const COURSE_DIR = path.join(ROOT, 'docs', 'examples', 'donnees-essentiel');
const SCENARIO = { 'cas-courriel': ['Prévenir tout de suite le DPO', 'Donner tous les détails et écrire aussi au destinataire'] };

async function englishPatterns() {
  const { catalogue } = await import(path.join(ROOT, 'web', 'app', 'i18n.js'));
  const out = [];
  for (const [k, en] of Object.entries(catalogue.en)) {
    const enValues = typeof en === 'string' ? [en] : Object.values(en);
    const frValues = typeof catalogue.fr[k] === 'string' ? [catalogue.fr[k]] : Object.values(catalogue.fr[k]);
    for (const v of enValues) {
      if (frValues.includes(v)) continue;  // the same word in both languages ("Trailpack")
      const literal = v.split(/\{\w+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+?');
      if (literal.replace(/\W/g, '').length < 4) continue;
      // Whole words only: "Continue" must not match the French "Continuer".
      const re = new RegExp((/^\w/.test(v) ? '\\b' : '') + literal + (/\w$/.test(v) ? '\\b' : ''));
      out.push({ key: k, re });
    }
  }
  return out;
}

test('the whole flow in French shows no untranslated string', { timeout: 300000 }, async (t) => {
  const server = await new TrailpackServer().setup({ courses: [] });
  server.publish(server.pack(COURSE_DIR));
  const browser = await launch({ locale: 'fr-FR' });
  t.after(async () => { await browser.close(); await server.close(); });
  const learner = server.learner('camille@example.fr', 'Camille Apprenante');
  const page = await browser.context.newPage();
  const patterns = await englishPatterns();
  const leaks = [];
  const checkScreen = async (name) => {
    const text = await page.evaluate(() => document.body.innerText + '\n' + [...document.querySelectorAll('[aria-label],[title]')]
      .map((e) => (e.getAttribute('aria-label') || '') + ' ' + (e.getAttribute('title') || '')).join('\n'));
    for (const p of patterns) if (p.re.test(text)) leaks.push(`${name}: ${p.key} (${p.re})`);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
    const axe = await axeSerious(page);
    assert.deepEqual(axe, [], `axe on ${name}`);
  };

  await page.goto(`${server.url}/#enroll=${learner.enrollment_code}`);
  await page.locator('form.enroll').waitFor();
  await checkScreen('inscription');
  await page.getByRole('button', { name: 'Inscrire cet appareil' }).click();
  await page.getByRole('heading', { name: 'Protection des données : l’essentiel' }).waitFor();
  await checkScreen('accueil');

  const key = answerKey(COURSE_DIR);
  const items = new Map(key.course.modules.flatMap((m) => m.items).map((i) => [i.id, i]));
  const robot = new LearnerRobot(page, key);
  await page.getByRole('link', { name: 'Commencer' }).click();
  for (let step = 0; step < 40; step++) {
    await page.waitForFunction(() => /#\/course\/[^/]+(\/item\/.+)?$/.test(location.hash));
    const m = (await page.evaluate(() => location.hash)).match(/\/item\/([^/]+)$/);
    if (!m) break;
    const item = items.get(decodeURIComponent(m[1]));
    if (item.type === 'survey' && item.role === 'cold') break;
    await page.locator('.item-view h1').waitFor();
    await checkScreen(item.id);
    const before = await page.evaluate(() => location.hash);
    try {
      await robot.playItem(item, SCENARIO);
    } catch (err) {
      throw new Error(`${item.id}: ${err.message}\n--- screen ---\n${await page.locator('main').innerText()}`);
    }
    await page.waitForFunction((h) => location.hash !== h, before);
  }
  await page.goto(`${server.url}/#/course/donnees-essentiel`);
  await page.getByText('Formation terminée').waitFor();
  await checkScreen('formation-terminee');
  assert.deepEqual(leaks, []);
  assert.deepEqual(browser.errors, []);
});
