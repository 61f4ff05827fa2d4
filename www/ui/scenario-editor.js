// "Your own scenario": a JSON editor for a scenario, checked as it is typed,
// played on its own lab, and shared as a link. A link that opens the page
// (`#scenario=...`) lands here: a bad link shows what is wrong, as text.
import { h, replace } from './dom.js';
import { LessonRun, rich } from './lessons-run.js';
import { parseScenario, compactScenario, scenarioHash, STEP_KINDS } from './scenario.js';

const STARTER = {
  title: 'My scenario',
  seed: 1,
  clients: [
    { id: 'sensor', role: 'publishes' },
    { id: 'display', subscribe: ['home/#'] },
  ],
  steps: [
    { at: 1000, do: 'publish', client: 'sensor', topic: 'home/kitchen/temperature', payload: '21.5', note: 'The sensor publishes.' },
    { at: 3000, do: 'cutLink', client: 'sensor', note: 'Its link is cut.' },
  ],
};

/** The link (this page's address) that opens `scenario`. */
export function linkFor(scenario) {
  return `${location.origin}${location.pathname}${scenarioHash(compactScenario(scenario))}`;
}

/** Copies `text`; shows it in `out` too, since the clipboard may be refused. */
export async function shareLink(text, out, status) {
  out.hidden = false;
  out.value = text;
  out.select();
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = 'Link copied. Opening it sets this lab up again, as it is now.';
  } catch {
    status.textContent = 'Copy the link above (the browser did not allow copying it for you).';
  }
}

/**
 * Mounts the editor in `el`. `options`: `{ topic, mountStage }`.
 * Returns `{ load(scenario), showError(message), destroy() }`.
 */
export function mountScenarioEditor(el, options) {
  const { topic } = options;
  const checks = { checkTopicName: topic.checkTopicName, checkTopicFilter: topic.checkTopicFilter };
  const area = h('textarea', {
    id: 'sc-json', class: 'sc-json', 'data-sc-json': '', rows: '18', spellcheck: 'false',
    autocomplete: 'off', autocapitalize: 'off', 'aria-describedby': 'sc-check',
  });
  const check = h('p', { id: 'sc-check', class: 'sc-check', 'data-sc-check': '', role: 'status' });
  const linkError = h('div', { class: 'error-card', 'data-sc-error': '', role: 'alert', hidden: true });
  const playBtn = h('button', { type: 'button', class: 'primary', 'data-sc-play': '' }, 'Play this scenario');
  const copyBtn = h('button', { type: 'button', 'data-sc-copy': '' }, 'Copy link to this scenario');
  const linkOut = h('input', { class: 'ls-link', 'data-sc-link': '', readonly: true, hidden: true, 'aria-label': 'Link to this scenario' });
  const copyStatus = h('p', { class: 'note', role: 'status' });
  const runEl = h('div', { class: 'ls-run', 'data-sc-run': '' });
  el.append(
    h('header', { class: 'ls-head' }, h('p', { class: 'ls-num' }, 'For teachers'), h('h3', {}, 'Your own scenario')),
    linkError,
    h('div', { class: 'ls-text' },
      h('p', {}, rich('Prepare a setup before class: the clients with their options and links, what they subscribe to, and steps at given times (milliseconds from the start). "Copy link" gives an address that opens this page with the setup ready; it needs no server, the whole scenario is in the link.')),
      h('p', {}, rich(`A client: \`id\`, \`role\`, \`version\` (4 or 5), \`clean\`, \`sessionExpiry\`, \`keepalive\`, \`reconnect\`, \`will\` ({ topic, payload, qos, retain }), \`link\` ({ latency, loss, duplicate }), \`connect\` (false: wait for a connect step), \`subscribe\` (filters), \`reply\` (answers requests). A step: \`at\`, \`do\` (${STEP_KINDS.join(', ')}), \`client\`, \`note\` (shown as a caption), and what the step needs (topic, payload, qos, retain, expiry, responseTopic, correlationData; filter; direction and count; ms; keepSessions).`))),
    h('div', { class: 'ctl' }, h('label', { for: area.id }, 'Scenario (JSON)'), area),
    check,
    h('div', { class: 'ls-bar' }, playBtn, copyBtn),
    linkOut, copyStatus, runEl);

  let run = null;
  let valid = null;

  function validate() {
    const r = parseScenario(area.value, checks);
    valid = r.ok ? r.scenario : null;
    check.dataset.ok = String(r.ok);
    area.setAttribute('aria-invalid', String(!r.ok));
    check.textContent = r.ok
      ? `Valid: ${r.scenario.clients.length} clients, ${r.scenario.steps.length} steps.`
      : `Not valid: ${r.error}`;
    playBtn.disabled = !r.ok;
    copyBtn.disabled = !r.ok;
    return r;
  }

  function play() {
    if (!valid) return;
    run?.destroy();
    runEl.replaceChildren();
    run = new LessonRun(runEl, valid, {
      topic, mountStage: options.mountStage, console: ['publish', 'subscribe', 'connection', 'loss', 'v5'],
      extra: 'counts', onCopy: (r) => shareLink(linkFor(r.player.withManualSteps()), r.linkOut, r.caption),
    });
    run.start();
  }

  area.addEventListener('input', validate);
  playBtn.addEventListener('click', play);
  copyBtn.addEventListener('click', () => {
    if (valid) shareLink(linkFor(valid), linkOut, copyStatus);
  });

  function load(scenario, { autoplay = false } = {}) {
    area.value = JSON.stringify(compactScenario(scenario), null, 2);
    linkError.hidden = true;
    validate();
    if (autoplay) play();
  }
  load(parseScenario(JSON.stringify(STARTER), checks).scenario);

  return {
    load,
    get run() {
      return run;
    },
    showError(message) {
      linkError.hidden = false;
      replace(linkError, h('strong', {}, 'This link\'s scenario cannot be opened. '), message,
        ' The editor below still has the previous scenario.');
    },
    destroy() {
      run?.destroy();
    },
  };
}
