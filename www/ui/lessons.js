// The Lessons tab: the eight guided lessons and "your own scenario". Each
// lesson is a short text, a demonstration played on a lab of its own (one
// click to start, a reset that replays it from the same seed), "try it" steps
// the page ticks when the class really did them, and a link to its setup.
//
// Links: `#lesson=<id>` opens a lesson; `#scenario=<base64url JSON>` opens the
// editor with that scenario and plays it (or says, as text, what is wrong).
import { h } from './dom.js';
import { LESSONS } from './lessons-content.js';
import { LessonRun, rich } from './lessons-run.js';
import { validateScenario, isScenarioHash, decodeScenarioHash } from './scenario.js';
import { mountScenarioEditor, linkFor, shareLink } from './scenario-editor.js';

/**
 * Mounts the lessons in `panel`.
 * `options`: `{ topic: { explainMatch, checkTopicFilter, checkTopicName, topicMatches }, mountStage(el, lab), rooms? }`
 * (`rooms`: the classroom's open room, see LessonRun).
 */
export function mountLessons(panel, options) {
  const { topic } = options;
  const checks = { checkTopicName: topic.checkTopicName, checkTopicFilter: topic.checkTopicFilter };
  const lessons = LESSONS.map((l) => {
    const r = validateScenario(l.scenario, checks);
    if (!r.ok) throw new Error(`lesson ${l.id}: ${r.error}`);
    let roomScenario;
    if (l.roomScenario) {
      const rr = validateScenario(l.roomScenario, checks);
      if (!rr.ok) throw new Error(`lesson ${l.id} (room): ${rr.error}`);
      roomScenario = rr.scenario;
    }
    return { ...l, scenario: r.scenario, roomScenario };
  });

  const body = h('div', { class: 'ls-body', 'data-ls-body': '' });
  const navItems = [
    ...lessons.map((l, i) => ({ id: l.id, label: `${i + 1}. ${l.title}` })),
    { id: 'scenario', label: 'Your own scenario' },
  ];
  const nav = h('nav', { class: 'ls-nav', 'aria-label': 'Lessons' },
    h('ol', {}, navItems.map((n) => h('li', {},
      h('button', { type: 'button', class: 'ls-nav-item', 'data-ls-open': n.id }, n.label)))));
  panel.replaceChildren(
    h('h2', { class: 'sr-only' }, 'Lessons'),
    h('div', { class: 'ls' }, nav, body));

  let current = null; // { id, run?, editor?, el }
  const editorEl = h('article', { class: 'ls-lesson', 'data-lesson': 'scenario', hidden: true });
  body.append(editorEl);
  const editor = mountScenarioEditor(editorEl, options);

  function open(id) {
    if (current?.id === id) return current;
    if (current?.run) current.run.destroy();
    if (current && current.id !== 'scenario') current.el.remove();
    if (current?.id === 'scenario') editor.run?.stop();
    for (const b of nav.querySelectorAll('[data-ls-open]')) {
      if (b.dataset.lsOpen === id) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
    }
    if (id === 'scenario') {
      editorEl.hidden = false;
      current = { id, el: editorEl };
      return current;
    }
    editorEl.hidden = true;
    const i = lessons.findIndex((l) => l.id === id);
    const lesson = lessons[i];
    const el = h('article', { class: 'ls-lesson', 'data-lesson': lesson.id, 'aria-labelledby': `ls-h-${lesson.id}` },
      h('header', { class: 'ls-head' },
        h('p', { class: 'ls-num' }, `Lesson ${i + 1} of ${lessons.length}`),
        h('h3', { id: `ls-h-${lesson.id}` }, lesson.title)),
      h('div', { class: 'ls-text' }, lesson.text.map((p) => h('p', {}, rich(p)))));
    const runEl = h('div', { class: 'ls-run' });
    el.append(runEl);
    body.append(el);
    const run = new LessonRun(runEl, lesson.scenario, {
      topic,
      mountStage: options.mountStage,
      console: lesson.console,
      extra: lesson.extra,
      tries: lesson.tries,
      rooms: options.rooms,
      roomScenario: lesson.roomScenario,
      roomNote: lesson.roomNote,
      onCopy: (r) => shareLink(linkFor(r.player.withManualSteps()), r.linkOut, r.caption),
    });
    current = { id, el, run };
    return current;
  }

  nav.addEventListener('click', (e) => {
    const b = e.target.closest('[data-ls-open]');
    if (b) open(b.dataset.lsOpen);
  });

  const show = () => document.dispatchEvent(new CustomEvent('mqttlab:show', { detail: { tab: 'lessons' } }));
  function fromHash() {
    const hash = location.hash;
    if (isScenarioHash(hash)) {
      show();
      open('scenario');
      const r = decodeScenarioHash(hash, checks);
      if (r.ok) editor.load(r.scenario, { autoplay: true });
      else editor.showError(r.error);
      return;
    }
    const m = /^#lesson=([a-z0-9-]+)$/.exec(hash);
    if (m && lessons.some((l) => l.id === m[1])) {
      show();
      open(m[1]);
    }
  }
  window.addEventListener('hashchange', fromHash);
  open(lessons[0].id);
  fromHash();

  return {
    open,
    get current() {
      if (!current) return null;
      const run = current.id === 'scenario' ? editor.run : current.run;
      return { id: current.id, run, lab: run?.lab, watch: run?.watch, player: run?.player };
    },
    lessons,
  };
}
