// Quiz screens: one question at a time, touch- and keyboard-friendly controls for every
// question type, feedback in a live region, and a result screen. The engine decides
// everything (draw, scoring, attempts, time limits); this renders what it returns.
import { h, clear, mount } from './dom.js';
import { t, fmt } from './i18n.js';

function responseControl(q, answered) {
  const name = 'q-' + q.id;
  const disabled = !!answered;
  const prior = answered ? answered.response : null;
  const priorList = prior ? prior.split('[,]') : [];
  if (q.type === 'single' || q.type === 'true_false' || q.type === 'multiple') {
    const multiple = q.type === 'multiple';
    const choices = q.type === 'true_false' && !(q.choices && q.choices.length)
      ? [{ id: 'true', text: t('quiz.true') }, { id: 'false', text: t('quiz.false') }] : q.choices;
    const fieldset = h('fieldset', { class: 'choices' }, h('legend', { class: 'hint' }, multiple ? t('quiz.pick_many') : t('quiz.pick_one')));
    for (const c of choices) {
      const id = `${name}-${c.id}`;
      const text = q.type === 'true_false' ? (c.id === 'true' ? t('quiz.true') : t('quiz.false')) : c.text;
      fieldset.append(h('label', { class: 'choice', for: id },
        h('input', { type: multiple ? 'checkbox' : 'radio', name, id, value: c.id, disabled, checked: priorList.includes(c.id) }),
        h('span', {}, text)));
    }
    return { el: fieldset, read: () => {
      const picked = [...fieldset.querySelectorAll('input:checked')].map((i) => i.value);
      return multiple ? picked : picked[0];
    } };
  }
  if (q.type === 'numeric' || q.type === 'short_text') {
    const input = h('input', { id: name, type: q.type === 'numeric' ? 'text' : 'text', inputmode: q.type === 'numeric' ? 'decimal' : undefined,
      autocomplete: 'off', disabled, value: prior || '' });
    return { el: h('div', { class: 'field' }, h('label', { for: name }, t('quiz.type_answer')), input), read: () => {
      if (q.type === 'numeric') {
        const v = Number(input.value.replace(',', '.'));
        return input.value.trim() === '' || Number.isNaN(v) ? undefined : v;
      }
      return input.value.trim() || undefined;
    } };
  }
  if (q.type === 'ordering') {
    let order = prior ? priorList : q.choices.map((c) => c.id);
    const text = Object.fromEntries(q.choices.map((c) => [c.id, c.text]));
    const list = h('ol', { class: 'ordering', 'aria-label': t('quiz.order_hint') });
    const draw = (focusId, dir) => {
      clear(list);
      order.forEach((id, i) => {
        const up = h('button', { type: 'button', class: 'icon', 'aria-label': `${t('quiz.move_up')}: ${text[id]}`, disabled: disabled || i === 0,
          onclick: () => { [order[i - 1], order[i]] = [order[i], order[i - 1]]; draw(id, 'up'); } }, '↑');
        const down = h('button', { type: 'button', class: 'icon', 'aria-label': `${t('quiz.move_down')}: ${text[id]}`, disabled: disabled || i === order.length - 1,
          onclick: () => { [order[i + 1], order[i]] = [order[i], order[i + 1]]; draw(id, 'down'); } }, '↓');
        list.append(h('li', { dataset: { id } }, h('span', {}, text[id]), h('span', { class: 'moves' }, up, down)));
      });
      if (focusId) {
        const li = list.querySelector(`[data-id="${CSS.escape(focusId)}"]`);
        const btn = li && li.querySelector(dir === 'up' ? 'button:first-child:not([disabled])' : 'button:last-child:not([disabled])');
        (btn || (li && li.querySelector('button:not([disabled])')))?.focus();
      }
    };
    draw();
    return { el: h('div', {}, h('p', { class: 'hint' }, t('quiz.order_hint')), list), read: () => order.slice() };
  }
  if (q.type === 'matching') {
    const priorMap = Object.fromEntries(priorList.map((p) => p.split('[.]')));
    const rows = q.left.map((l) => {
      const id = `${name}-${l.id}`;
      const select = h('select', { id, disabled }, h('option', { value: '' }, t('quiz.choose')),
        q.right.map((r) => h('option', { value: r.id, selected: priorMap[l.id] === r.id }, r.text)));
      return { l, select, el: h('div', { class: 'match-row' }, h('label', { for: id }, l.text), select) };
    });
    return { el: h('div', { class: 'matching' }, h('p', { class: 'hint' }, t('quiz.match_hint')), rows.map((r) => r.el)), read: () => {
      const out = {};
      for (const r of rows) if (r.select.value) out[r.l.id] = r.select.value;
      return Object.keys(out).length ? out : undefined;
    } };
  }
  return { el: h('p', {}, q.type), read: () => undefined };
}

function savedBadge(synced) {
  return h('p', { class: 'saved', dataset: { answerStatus: synced ? 'synced' : 'saved' } },
    '✓ ' + t('quiz.saved') + (synced ? ' · ' + t('quiz.synced') : ''));
}

function feedbackBox(result) {
  if (result.correct === undefined) return h('div', { class: 'feedback neutral' }, h('strong', {}, t('quiz.answered')));
  const kind = result.correct ? 'correct' : result.score > 0 ? 'partial' : 'incorrect';
  return h('div', { class: 'feedback ' + kind },
    h('strong', {}, t('quiz.' + kind)),
    result.feedback ? h('p', {}, result.feedback) : null,
    result.explanation ? h('p', { class: 'muted' }, result.explanation) : null);
}

export async function renderQuiz(container, ctx) {
  const { engine, course, item } = ctx;
  let session;
  try {
    session = await engine.call('quiz.start', { course_id: course.id, item_id: item.id });
  } catch (err) {
    if (err.code === 'no_attempts_left') {
      mount(container, h('h1', {}, item.title), h('p', {}, t('quiz.no_attempts')));
      return;
    }
    throw err;
  }
  ctx.onRecorded();
  const answered = new Map(session.answered.map((a) => [a.question_id, a]));
  let index = session.questions.findIndex((q) => !answered.has(q.id));
  if (index < 0) index = session.questions.length - 1;

  const live = h('div', { class: 'live', 'aria-live': 'polite' });

  const show = () => {
    const q = session.questions[index];
    const prior = answered.get(q.id);
    const control = responseControl(q, prior);
    const actions = h('div', { class: 'actions' });
    const form = h('form', { class: 'question', onsubmit: async (e) => {
      e.preventDefault();
      if (answered.has(q.id)) return advance();
      const response = control.read();
      if (response === undefined || (Array.isArray(response) && response.length === 0)) {
        live.textContent = q.type === 'multiple' ? t('quiz.pick_many') : t('quiz.pick_one');
        return;
      }
      const submit = form.querySelector('button[type=submit]');
      submit.disabled = true;
      try {
        const res = await engine.call('quiz.answer', { course_id: course.id, item_id: item.id, attempt_id: session.attempt_id,
          question_id: q.id, response, duration_ms: ctx.activeMs() });
        answered.set(q.id, { question_id: q.id, response: Array.isArray(response) ? response.join('[,]') : String(response), correct: res.correct, score: res.score, synced: false });
        form.querySelectorAll('input, select, .moves button').forEach((el) => { el.disabled = true; });
        const box = feedbackBox(res);
        form.insertBefore(box, actions);
        form.insertBefore(savedBadge(false), actions);
        live.textContent = (res.correct === undefined ? t('quiz.answered') : res.correct ? t('quiz.correct') : t('quiz.incorrect')) + '. ' + t('quiz.saved') + '.';
        ctx.onRecorded();
        setNext();
        submit.disabled = false;
        submit.focus();
      } catch (err) {
        submit.disabled = false;
        ctx.onError(err);
      }
    } },
    h('p', { class: 'step' }, t('quiz.question_of', { n: index + 1, total: session.questions.length })),
    h('h2', { id: 'prompt-' + q.id }, q.prompt), control.el);
    if (prior) {
      form.append(feedbackBox(prior), savedBadge(prior.synced));
    }
    const submit = h('button', { type: 'submit', class: 'primary' });
    actions.append(submit);
    // Answers already given stay reviewable (they are saved and cannot be changed).
    if (index > 0) actions.append(h('button', { type: 'button', class: 'secondary', onclick: () => { index--; show(); } }, t('quiz.previous')));
    form.append(actions);
    const last = index === session.questions.length - 1;
    function setNext() { submit.textContent = last ? t('quiz.finish') : t('quiz.next'); }
    if (answered.has(q.id)) setNext(); else submit.textContent = t('quiz.check');
    mount(container, h('h1', {}, item.title), form, live);
  };

  const advance = async () => {
    if (index < session.questions.length - 1) {
      index++;
      show();
      container.querySelector('h2')?.focus?.();
      return;
    }
    try {
      const res = await engine.call('quiz.finish', { course_id: course.id, item_id: item.id, attempt_id: session.attempt_id });
      ctx.onRecorded();
      showResult(res);
    } catch (err) { ctx.onError(err); }
  };

  const showResult = (res) => {
    const passed = res.passed;
    const retry = !passed && res.attempts_left !== 0
      ? h('button', { class: 'secondary', onclick: () => renderQuiz(container, ctx) }, t('quiz.retry')) : null;
    mount(container, 
      h('h1', {}, item.title),
      h('div', { class: 'result ' + (passed ? 'passed' : 'failed'), role: 'status' },
        h('p', { class: 'score' }, t('quiz.result', { score: fmt.percent(res.scaled) })),
        h('p', {}, passed ? t('quiz.passed') : t('quiz.failed', { mark: fmt.percent(res.pass_mark) })),
        res.attempts_left !== null && res.attempts_left !== undefined && !passed ? h('p', { class: 'muted' }, t('quiz.attempts_left', { count: res.attempts_left })) : null),
      savedBadge(false),
      h('div', { class: 'actions' }, retry, h('a', { class: 'button primary', href: ctx.nextHref(res.progress) }, t('card.next'))));
    container.querySelector('.result').focus?.();
  };

  show();
}
