// The filter playground: a subscription filter and a topic name side by side,
// and the broker's own answer (the wasm topic layer's `explainMatch`) level by
// level: which level matched, which did not and why, the `$` rule, and why a
// filter or a topic is not valid at all. Dispatches `explained` on its root
// with `{ filter, topic, matches, invalid: 'filter' | 'topic' | null }`.
import { h, replace } from './dom.js';

const EXAMPLES = [
  ['home/+/temperature', 'home/kitchen/temperature', 'one level with +'],
  ['home/+/temperature', 'home/kitchen/fridge/temperature', '+ is one level only'],
  ['home/#', 'home', '# also matches the parent'],
  ['home/#', 'home/garden/sprinkler/state', '# matches any depth'],
  ['#', '$SYS/broker/uptime', 'the $ rule'],
  ['home/kitchen', 'home/Kitchen', 'case matters'],
  ['home/#/state', 'home/garden/state', 'an invalid filter'],
  ['sport/ten+', 'sport/tennis', '+ inside a level'],
];

/**
 * Mounts the playground in `el`. `topic` holds the wasm functions
 * `{ explainMatch, checkTopicFilter, checkTopicName }`.
 * Returns `{ root, set(filter, topic), destroy() }`.
 */
export function mountPlayground(el, topic, { filter = 'home/+/temperature', name = 'home/kitchen/temperature' } = {}) {
  const id = `pg-${Math.random().toString(36).slice(2, 8)}`;
  const filterIn = h('input', { id: `${id}-f`, 'data-pg-filter': '', spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off' });
  const topicIn = h('input', { id: `${id}-t`, 'data-pg-topic': '', spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off' });
  filterIn.value = filter;
  topicIn.value = name;
  const verdict = h('p', { class: 'pg-verdict', 'data-pg-verdict': '', role: 'status', 'aria-live': 'polite' });
  const levels = h('ol', { class: 'pg-levels', 'data-pg-levels': '' });
  const examples = h('div', { class: 'pg-examples', role: 'group', 'aria-label': 'Examples' },
    EXAMPLES.map(([f, t, label]) => {
      const b = h('button', { type: 'button', class: 'chip', 'data-pg-example': '' }, label);
      b.addEventListener('click', () => set(f, t));
      return b;
    }));
  const root = h('section', { class: 'playground', 'aria-labelledby': `${id}-h`, 'data-playground': '' },
    h('h4', { id: `${id}-h` }, 'Filter playground'),
    h('p', { class: 'help' }, 'Type a subscription filter and a topic name: the broker\'s matcher says, level by level, whether a message published to that topic reaches that subscription.'),
    h('div', { class: 'pg-inputs' },
      h('div', { class: 'ctl' }, h('label', { for: filterIn.id }, 'Subscription filter'), filterIn),
      h('div', { class: 'ctl' }, h('label', { for: topicIn.id }, 'Topic of a message'), topicIn)),
    examples, verdict, levels);
  el.append(root);

  function explain() {
    const f = filterIn.value;
    const t = topicIn.value;
    const badFilter = topic.checkTopicFilter(f);
    const badTopic = topic.checkTopicName(t);
    filterIn.setAttribute('aria-invalid', String(!!badFilter));
    topicIn.setAttribute('aria-invalid', String(!!badTopic));
    let matches = false;
    let invalid = null;
    if (badFilter || badTopic) {
      invalid = badFilter ? 'filter' : 'topic';
      verdict.dataset.result = 'invalid';
      replace(verdict,
        h('strong', {}, badFilter ? 'Not a valid filter. ' : 'Not a valid topic name. '),
        badFilter ?? badTopic,
        badFilter ? ' A broker refuses such a SUBSCRIBE.' : ' A broker refuses such a PUBLISH.');
      replace(levels);
    } else {
      const e = topic.explainMatch(f, t);
      matches = e.matches;
      verdict.dataset.result = matches ? 'match' : 'nomatch';
      replace(verdict, h('strong', {}, matches ? 'Match. ' : 'No match. '), e.summary);
      replace(levels, e.levels.map((l) => h('li', { class: 'pg-level', 'data-ok': String(l.ok) },
        h('span', { class: 'pg-mark', 'aria-hidden': 'true' }, l.ok ? '✓' : '✗'),
        h('code', { class: 'pg-f' }, l.filter ?? '—'),
        h('code', { class: 'pg-t' }, l.topic ?? '—'),
        h('span', { class: 'pg-text' }, l.text))));
    }
    root.dispatchEvent(new CustomEvent('explained', { detail: { filter: f, topic: t, matches, invalid } }));
  }

  function set(f, t) {
    filterIn.value = f;
    topicIn.value = t;
    explain();
  }

  filterIn.addEventListener('input', explain);
  topicIn.addEventListener('input', explain);
  explain();
  return { root, set, destroy: () => root.remove() };
}
