// Flashcard review, surveys and branching scenarios. As everywhere in the app, the
// engine decides (schedules, availability, branches) and records; these screens render
// what it returns and pass the learner's choices.
import { h, mount } from './dom.js';
import { t, fmt } from './i18n.js';
import { renderBlocks } from './render.js';

function savedNote() {
  return h('p', { class: 'saved', dataset: { answerStatus: 'saved' } }, '✓ ' + t('quiz.saved'));
}

// ---- flashcards ---------------------------------------------------------------------

export async function renderFlashcards(container, ctx) {
  const { engine, course, item } = ctx;
  const live = h('div', { class: 'live', 'aria-live': 'polite' });
  let queue = await engine.call('flashcards.queue', { course_id: course.id, item_id: item.id });

  const show = () => {
    const card = queue.due[0];
    if (!card) {
      const next = queue.later.length ? Math.min(...queue.later.map((c) => c.due)) : null;
      mount(container, h('h1', {}, item.title),
        h('div', { class: 'result passed', role: 'status' },
          h('p', { class: 'score' }, '✓'),
          h('p', {}, t('cards.done')),
          next ? h('p', { class: 'muted' }, t('cards.next_review', { when: fmt.relative(next) })) : null),
        h('div', { class: 'actions' }, h('a', { class: 'button primary', href: ctx.nextHref(ctx.progress) }, t('card.next'))), live);
      return;
    }
    const back = h('div', { class: 'flashcard-back', hidden: true }, h('p', {}, card.back));
    const rate = h('div', { class: 'rating', role: 'group', 'aria-label': t('cards.how_well'), hidden: true },
      ['again', 'hard', 'good', 'easy'].map((r) => h('button', { type: 'button', class: 'secondary', dataset: { rating: r }, onclick: async () => {
        rate.querySelectorAll('button').forEach((b) => { b.disabled = true; });
        try {
          queue = await engine.call('flashcards.review', { course_id: course.id, item_id: item.id, card_id: card.id, rating: r, duration_ms: ctx.activeMs() });
          ctx.onRecorded();
          live.textContent = t('quiz.saved');
          show();
          container.querySelector('.flashcard button, .actions a')?.focus();
        } catch (err) { ctx.onError(err); rate.querySelectorAll('button').forEach((b) => { b.disabled = false; }); }
      } }, t('cards.' + r))));
    const flip = h('button', { type: 'button', class: 'primary', onclick: () => {
      back.hidden = false;
      rate.hidden = false;
      flip.hidden = true;
      rate.querySelector('button').focus();
    } }, t('cards.show'));
    mount(container, h('h1', {}, item.title),
      h('p', { class: 'step' }, t('cards.remaining', { count: queue.due.length })),
      h('div', { class: 'flashcard' }, h('p', { class: 'flashcard-front' }, card.front), back),
      h('div', { class: 'actions' }, flip), rate, live);
  };
  show();
}

// ---- surveys ------------------------------------------------------------------------

export async function renderSurvey(container, ctx) {
  const { engine, course, item, progress } = ctx;
  const p = progress.items.find((x) => x.id === item.id) || {};
  if (p.status === 'completed') {
    mount(container, h('h1', {}, item.title), h('p', { class: 'done-banner' }, '✓ ' + t('survey.thanks')),
      h('div', { class: 'actions' }, h('a', { class: 'button primary', href: ctx.nextHref(progress) }, t('card.next'))));
    return;
  }
  if (p.available_at && p.available_at > Date.now()) {
    mount(container, h('h1', {}, item.title), h('p', {}, t('survey.opens', { date: fmt.date(p.available_at) })));
    return;
  }
  const fields = item.survey.map((q) => {
    const name = 'sv-' + q.id;
    if (q.type === 'rating') {
      const set = h('fieldset', { class: 'rating-scale' }, h('legend', {}, q.prompt));
      const row = h('div', { class: 'scale' });
      for (let i = 1; i <= q.scale; i++) {
        const id = `${name}-${i}`;
        row.append(h('label', { class: 'scale-point', for: id }, h('input', { type: 'radio', name, id, value: String(i) }), h('span', {}, String(i))));
      }
      set.append(row, h('p', { class: 'hint scale-ends' }, h('span', {}, t('survey.scale_low')), h('span', {}, t('survey.scale_high'))));
      return { q, el: set, read: () => { const v = set.querySelector('input:checked'); return v ? Number(v.value) : undefined; } };
    }
    if (q.type === 'choice') {
      const set = h('fieldset', { class: 'choices' }, h('legend', {}, q.prompt));
      for (const c of q.choices) {
        const id = `${name}-${c.id}`;
        set.append(h('label', { class: 'choice', for: id }, h('input', { type: 'radio', name, id, value: c.id }), h('span', {}, c.text)));
      }
      return { q, el: set, read: () => set.querySelector('input:checked')?.value };
    }
    const area = h('textarea', { id: name, rows: '3', maxlength: '4000' });
    return { q, el: h('div', { class: 'field' }, h('label', { for: name }, q.prompt), area), read: () => area.value.trim() || undefined };
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('survey.submit'));
  const form = h('form', { class: 'survey', onsubmit: async (e) => {
    e.preventDefault();
    const answers = {};
    for (const f of fields) { const v = f.read(); if (v !== undefined) answers[f.q.id] = v; }
    submit.disabled = true;
    try {
      const res = await engine.call('survey.submit', { course_id: course.id, item_id: item.id, answers, duration_ms: ctx.activeMs() });
      ctx.onRecorded();
      mount(container, h('h1', {}, item.title), h('p', { class: 'done-banner', role: 'status' }, '✓ ' + t('survey.thanks')), savedNote(),
        h('div', { class: 'actions' }, h('a', { class: 'button primary', href: ctx.nextHref(res.progress) }, t('card.next'))));
    } catch (err) { submit.disabled = false; ctx.onError(err); }
  } }, h('p', { class: 'muted' }, t('survey.optional')), fields.map((f) => f.el), h('div', { class: 'actions' }, submit));
  mount(container, h('h1', {}, item.title), form);
}

// ---- scenarios ----------------------------------------------------------------------

export async function renderScenario(container, ctx, { restart = false } = {}) {
  const { engine, course, item, manifest } = ctx;
  let state = await engine.call('scenario.state', { course_id: course.id, item_id: item.id, restart });
  const live = h('div', { class: 'live', 'aria-live': 'polite' });

  const show = (node, feedback) => {
    const body = h('div', { class: 'scenario-node' }, ...renderBlocks(node.blocks, manifest));
    const parts = [h('h1', {}, item.title)];
    if (feedback) parts.push(h('div', { class: 'feedback neutral' }, h('p', {}, feedback)));
    parts.push(body);
    if (node.choices.length) {
      const list = h('div', { class: 'scenario-choices', role: 'group', 'aria-label': t('scenario.what_next') },
        h('p', { class: 'hint' }, t('scenario.what_next')),
        node.choices.map((c) => h('button', { type: 'button', class: 'secondary choice-button', onclick: async () => {
          list.querySelectorAll('button').forEach((b) => { b.disabled = true; });
          try {
            const res = await engine.call('scenario.choose', { course_id: course.id, item_id: item.id, run_id: state.run_id,
              node_id: node.id, choice_id: c.id, duration_ms: ctx.activeMs() });
            ctx.onRecorded();
            live.textContent = t('quiz.saved');
            if (res.finished) return showEnd(res);
            show(res.node, res.feedback);
            container.querySelector('.choice-button')?.focus();
          } catch (err) { ctx.onError(err); list.querySelectorAll('button').forEach((b) => { b.disabled = false; }); }
        } }, c.text)));
      parts.push(list);
    }
    parts.push(live);
    mount(container, ...parts);
  };

  const showEnd = (res) => {
    mount(container, h('h1', {}, item.title),
      res.feedback ? h('div', { class: 'feedback neutral' }, h('p', {}, res.feedback)) : null,
      h('div', { class: 'scenario-node' }, ...renderBlocks(res.node.blocks, manifest)),
      h('div', { class: 'result ' + (res.outcome >= 0.999 ? 'passed' : 'failed'), role: 'status' },
        h('p', { class: 'score' }, t('scenario.outcome', { score: fmt.percent(res.outcome) }))),
      savedNote(),
      h('div', { class: 'actions' },
        h('button', { class: 'secondary', onclick: () => renderScenario(container, ctx, { restart: true }) }, t('scenario.again')),
        h('a', { class: 'button primary', href: ctx.nextHref(res.progress) }, t('card.next'))),
      live);
  };

  show(state.node);
}
