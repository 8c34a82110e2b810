// A learner robot for end-to-end tests: plays any item of a course through the real UI,
// answering quiz questions from the course's own answer key (read from the author's
// folder), with the mouse or with the keyboard only.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert/strict');

/** Reads an author's course folder (docs/examples/...) into {course, questions by prompt}. */
function answerKey(courseDir) {
  const course = JSON.parse(fs.readFileSync(path.join(courseDir, 'course.json'), 'utf8'));
  const byPrompt = new Map();
  for (const m of course.modules) for (const it of m.items) {
    if (!it.file || !it.file.endsWith('.json')) continue;
    Object.assign(it, JSON.parse(fs.readFileSync(path.join(courseDir, it.file), 'utf8')));
    const pools = it.pools || [{ questions: it.questions || [] }];
    for (const p of pools) for (const q of p.questions || []) byPrompt.set(q.prompt, q);
  }
  return { course, byPrompt };
}

class LearnerRobot {
  constructor(page, key, { keyboard = false } = {}) {
    this.page = page;
    this.key = key;
    this.keyboard = keyboard;
  }

  async press(locator) {
    if (this.keyboard) { await locator.focus(); await this.page.keyboard.press('Enter'); } else await locator.click();
  }

  async type(locator, text) {
    if (this.keyboard) { await locator.focus(); await this.page.keyboard.type(text); } else await locator.fill(text);
  }

  async check(locator) {
    if (this.keyboard) { await locator.focus(); await this.page.keyboard.press('Space'); } else await locator.check();
  }

  /** Answers the question on screen correctly (or wrongly with wrong = true) and submits. */
  async answerQuestion({ wrong = false } = {}) {
    const page = this.page;
    const prompt = (await page.locator('form.question h2').innerText()).trim();
    const q = this.key.byPrompt.get(prompt);
    if (!q) throw new Error('no answer key for: ' + prompt);
    const form = page.locator('form.question');
    const text = (id) => q.choices.find((c) => c.id === id).text;
    switch (q.type) {
      case 'single':
        await this.check(form.getByLabel(wrong ? q.choices.find((c) => !q.correct.includes(c.id)).text : text(q.correct[0]), { exact: true }));
        break;
      case 'true_false':
        await this.check(form.getByLabel((q.answer !== wrong) ? /^(True|Vrai)$/ : /^(False|Faux)$/));
        break;
      case 'multiple':
        for (const id of wrong ? [q.choices.find((c) => !q.correct.includes(c.id)).id] : q.correct) await this.check(form.getByLabel(text(id), { exact: true }));
        break;
      case 'numeric':
        await this.type(form.locator('input'), String(wrong ? q.answer + 1000 : q.answer));
        break;
      case 'short_text':
        await this.type(form.locator('input'), wrong ? 'zzz' : q.accepted[0]);
        break;
      case 'ordering': {
        const target = q.choices.map((c) => c.text);
        for (let i = 0; i < target.length && !wrong; i++) {
          for (let guard = 0; guard < target.length; guard++) {
            const items = await form.locator('.ordering li > span:first-child').allInnerTexts();
            const at = items.indexOf(target[i]);
            if (at <= i) break;
            await this.press(form.getByRole('button', { name: new RegExp(`: ${target[i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).first());
          }
        }
        break;
      }
      case 'matching':
        for (const p of q.pairs) {
          const target = wrong ? q.pairs.find((x) => x.id !== p.id) : p;
          const select = form.getByLabel(p.left, { exact: true });
          if (this.keyboard) {
            // Keyboard only: focus the list and move through its options with the arrow keys.
            await select.focus();
            const labels = await select.locator('option').allInnerTexts();
            const want = labels.indexOf(target.right);
            const have = labels.indexOf(await select.evaluate((el) => el.options[el.selectedIndex].text));
            for (let k = have; k < want; k++) await this.page.keyboard.press('ArrowDown');
            for (let k = have; k > want; k--) await this.page.keyboard.press('ArrowUp');
            assert.equal(await select.evaluate((el) => el.options[el.selectedIndex].text), target.right);
          } else {
            await select.selectOption({ label: target.right });
          }
        }
        break;
      default:
        throw new Error('unknown question type ' + q.type);
    }
    await this.press(form.getByRole('button', { name: /^(Check answer|Valider la réponse)$/ }));
    await form.locator('.saved').waitFor();
    return q;
  }

  /** Plays a whole quiz from its current question to the result screen. */
  async playQuiz(options = {}) {
    const page = this.page;
    for (let n = 0; n < 50; n++) {
      await this.answerQuestion(options);
      const next = page.locator('form.question .actions button.primary');
      const label = (await next.innerText()).trim();
      await this.press(next);
      if (/See my result|Voir mon résultat/.test(label)) break;
      await page.locator('form.question h2').waitFor();
    }
    await page.locator('.result').waitFor();
    return (await page.locator('.result .score').innerText()).trim();
  }

  async playFlashcards() {
    const page = this.page;
    for (let n = 0; n < 50; n++) {
      // Either the next card or the end of the queue.
      await page.locator('.item-view .result, .item-view .flashcard').first().waitFor();
      if (await page.locator('.item-view .result').count()) return;
      const rating = await page.locator('.rating').elementHandle();
      await this.press(page.getByRole('button', { name: /^(Show answer|Voir la réponse)$/ }));
      await this.press(page.getByRole('button', { name: /^(Good|Bien)$/ }));
      await page.waitForFunction((el) => !el.isConnected, rating);  // the next card (or the end) replaced it
    }
    throw new Error('flashcards: the queue never ended:\n' + await page.locator('main').innerText());
  }

  async playScenario(choices) {
    for (const c of choices) await this.press(this.page.getByRole('button', { name: c }));
    await this.page.locator('.result').waitFor();
  }

  async fillSurvey() {
    const page = this.page;
    const form = page.locator('form.survey');
    for (const scale of await form.locator('.scale').all()) await this.check(scale.locator('input').last());
    for (const set of await form.locator('fieldset.choices').all()) await this.check(set.locator('input').first());
    for (const area of await form.locator('textarea').all()) await area.fill('Useful and short.');
    await this.press(form.getByRole('button', { name: /^(Send my answers|Envoyer mes réponses)$/ }));
    await page.locator('.done-banner').waitFor();
  }

  /** Plays the item on screen, whatever its type; returns its type. */
  async playItem(item, scenarioChoices) {
    const page = this.page;
    await page.locator('.item-view h1').waitFor();
    switch (item.type) {
      case 'card':
        await this.press(page.getByRole('button', { name: /^(Mark as done and continue|Marquer comme fait et continuer|Continue|Continuer)$/ }));
        break;
      case 'quiz':
        await this.playQuiz();
        await this.press(page.locator('.actions a.primary'));
        break;
      case 'flashcards':
        await this.playFlashcards();
        await this.press(page.locator('.actions a.primary'));
        break;
      case 'scenario':
        await this.playScenario(scenarioChoices[item.id]);
        await this.press(page.locator('.actions a.primary'));
        break;
      case 'survey':
        await this.fillSurvey();
        await this.press(page.locator('.actions a.primary'));
        break;
      default:
        throw new Error('unknown item type ' + item.type);
    }
  }
}

module.exports = { answerKey, LearnerRobot };
