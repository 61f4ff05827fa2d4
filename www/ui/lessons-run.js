// One running scenario in the page: its own lab (a fresh simulation with the
// scenario's seed), the stage (the diagram or the packet log, through the
// injected `mountStage`), the caption of what is happening, the clients and
// what each received, the console a student acts through, the "try it"
// checklist, and a lesson's extra view (counts, links, retained store,
// filter playground). Used by each lesson and by "your own scenario".
import { h, replace } from './dom.js';
import { createLab } from './inpage.js';
import { ScenarioPlayer, describeStep } from './scenario-runner.js';
import { LessonWatch } from './lessons-watch.js';
import { mountPlayground } from './playground.js';
import { seconds } from './lessons-log.js';
import { RoomLab } from './room-lab.js';

const SPEEDS = [['0.25', '¼×'], ['0.5', '½×'], ['1', '1×'], ['2', '2×'], ['5', '5×'], ['10', '10×']];

/** Text with `code` spans, as DOM nodes (never markup). */
export function rich(text) {
  return String(text).split('`').map((part, i) => (i % 2 ? h('code', {}, part) : part));
}

let uid = 0;

/**
 * Builds the run area for `scenario` in `el` (not started).
 * `options`: `{ topic, mountStage, console: [...], extra, tries: [{ text, check, room? }], onStarted,
 * rooms?, roomScenario?, roomNote? }`. `rooms` (classroom mode's teacher side): `{ current() -> { url, code, client } | null,
 * onRoom(cb) -> unsubscribe, mqtt() -> Promise<lib/mqtt.js> }`; with it the lesson can run on the open
 * room's real broker (room-lab.js), playing `roomScenario` there if given (what a real broker allows),
 * with `roomNote` saying what differs. A try's `room(w)`, when given, replaces its `check(w)` on a real
 * broker, whose inside this page cannot see.
 */
export class LessonRun {
  lab = null;
  player = null;
  watch = null;
  #stage = null;
  #playground = null;
  #frame = 0;
  #dirty = false;
  #destroyed = false;
  #offRoom = null;
  #cleaning = null;

  constructor(el, scenario, options) {
    this.el = el;
    this.scenario = scenario;
    this.o = options;
    this.id = `lr${++uid}`;
    this.#build();
  }

  // ---- layout ---------------------------------------------------------------

  #build() {
    const o = this.o;
    this.startBtn = h('button', { type: 'button', class: 'primary', 'data-ls-start': '' }, 'Start the demonstration');
    this.resetBtn = h('button', { type: 'button', 'data-ls-reset': '', disabled: true }, 'Reset');
    this.pauseBtn = h('button', { type: 'button', 'data-ls-pause': '', 'aria-pressed': 'false', disabled: true }, 'Pause');
    this.stepBtn = h('button', { type: 'button', 'data-ls-step': '', disabled: true, title: 'While paused: the next packet arrives or the next thing happens' }, 'Step');
    this.speedSel = h('select', { id: `${this.id}-speed`, 'data-ls-speed': '' },
      SPEEDS.map(([v, t]) => h('option', { value: v, selected: v === '1' }, t)));
    this.clock = h('span', { class: 'ls-clock', 'data-ls-clock': '', 'aria-label': 'Time in the simulation' }, '0.000 s');
    this.copyBtn = h('button', { type: 'button', 'data-ls-copy': '', disabled: true }, 'Copy link to this setup');
    this.linkOut = h('input', { class: 'ls-link', 'data-ls-link': '', readonly: true, hidden: true, 'aria-label': 'Link to this setup' });
    this.caption = h('p', { class: 'ls-caption', 'data-ls-caption': '', role: 'status', 'aria-live': 'polite' },
      'Press "Start the demonstration": the clients connect to a broker running in this page and the scenario plays.');
    this.stageEl = h('div', { class: 'ls-stage', 'data-ls-stage': '' });
    this.whereEl = this.#buildWhere();
    this.clientsEl = h('ul', { class: 'ls-clients', 'data-ls-clients': '', 'aria-label': 'Clients' });
    this.triesEl = h('ol', { class: 'ls-tries', 'data-ls-tries': '' },
      (o.tries ?? []).map((t, i) => h('li', { 'data-try': i, 'data-done': 'false' },
        h('span', { class: 'ls-tick', 'aria-hidden': 'true' }),
        h('span', { class: 'ls-try-text' }, rich(t.text)),
        h('span', { class: 'sr-only', 'data-try-state': '' }, ' (not done yet)'))));
    this.consoleEl = h('form', { class: 'ls-console', 'data-ls-console': '', novalidate: true, 'aria-labelledby': `${this.id}-ch` });
    this.extraEl = h('div', { class: 'ls-extra', 'data-ls-extra': o.extra ?? '' });
    const bar = h('div', { class: 'ls-bar', role: 'group', 'aria-label': 'Demonstration' },
      this.startBtn, this.resetBtn, this.pauseBtn, this.stepBtn,
      h('label', { class: 'inline', for: this.speedSel.id }, 'Speed'), this.speedSel,
      this.clock, this.copyBtn);
    this.el.append(this.whereEl ?? '', bar, this.linkOut, this.caption,
      h('div', { class: 'ls-grid' },
        this.stageEl,
        h('section', { class: 'ls-side', 'aria-label': 'Clients and what they received' },
          h('h4', {}, 'Clients'), this.clientsEl)),
      h('div', { class: 'ls-work' },
        (o.tries?.length ? h('section', { class: 'ls-try', 'aria-labelledby': `${this.id}-th` },
          h('h4', { id: `${this.id}-th` }, 'Try it'),
          h('p', { class: 'help' }, 'Each step ticks itself when the lab really did it.'),
          this.triesEl) : null),
        h('section', { class: 'ls-console-card' }, h('h4', { id: `${this.id}-ch` }, 'Act'), this.consoleEl),
        this.extraEl));
    this.stageEl.append(h('p', { class: 'ls-stage-empty' }, 'The packets will show here.'));
    this.#buildConsole();
    if (o.extra === 'playground') {
      this.#playground = mountPlayground(this.extraEl, o.topic);
      this.#playground.root.addEventListener('explained', (e) => {
        this.watch?.explained.push(e.detail);
        this.#evaluate();
      });
    }
    this.startBtn.addEventListener('click', () => this.start());
    this.resetBtn.addEventListener('click', () => this.start());
    this.pauseBtn.addEventListener('click', () => {
      const b = this.lab?.broker;
      if (!b || this.lab.kind === 'room') return;
      if (b.paused) b.resume(); else b.pause();
      this.#syncPause();
    });
    this.stepBtn.addEventListener('click', () => {
      if (this.lab?.kind === 'room') return;
      this.lab?.broker.step();
      this.#tick();
    });
    this.speedSel.addEventListener('change', () => {
      if (this.lab && this.lab.kind !== 'room') this.lab.broker.speed = Number(this.speedSel.value);
    });
    this.copyBtn.addEventListener('click', () => this.o.onCopy?.(this));
  }

  /** "Run on": this page's simulated broker, or the classroom's room on a real broker. */
  #buildWhere() {
    const rooms = this.o.rooms;
    if (!rooms) return null;
    const name = `${this.id}-where`;
    this.onPage = h('input', { type: 'radio', name, value: 'page', checked: true, 'data-ls-where': 'page', id: `${name}-page` });
    this.onRoom = h('input', { type: 'radio', name, value: 'room', disabled: true, 'data-ls-where': 'room', id: `${name}-room` });
    this.roomLabel = h('span', { 'data-ls-room-label': '' });
    this.whereNote = h('p', { class: 'help', 'data-ls-where-note': '' });
    const box = h('fieldset', { class: 'ls-where', 'data-ls-where-box': '' },
      h('legend', {}, 'Run on'),
      h('label', { class: 'check', for: this.onPage.id }, this.onPage, ' this page\'s simulated broker'),
      h('label', { class: 'check', for: this.onRoom.id }, this.onRoom, ' ', this.roomLabel),
      this.whereNote);
    const sync = () => this.#syncWhere();
    this.#offRoom = rooms.onRoom(() => {
      sync();
      // The room closed under a demonstration running on it.
      if (this.lab?.kind === 'room' && !rooms.current()) {
        this.stop();
        this.#say('The classroom room was closed: the demonstration on it stopped. Open a room again, or run it on this page.');
      }
    });
    box.addEventListener('change', () => {
      if (this.lab) this.#say('Press Reset to run the demonstration again where you chose.');
      sync();
    });
    sync();
    return box;
  }

  #syncWhere() {
    if (!this.onRoom) return;
    const room = this.o.rooms.current();
    if (room) {
      this.onRoom.disabled = false;
      this.roomLabel.textContent = `the classroom room (${room.url}, room ${room.code})`;
      this.whereNote.textContent = (this.o.roomNote ? `${this.o.roomNote} ` : '') + 'On the room, the lesson\'s clients are real connections from this page to that broker, under the room\'s topics; students who joined the room see its messages and can do the "try it" steps from their phones. It runs in real time: no pause, step or speed.';
    } else {
      this.onRoom.disabled = true;
      this.roomLabel.textContent = 'the classroom room (none open)';
      this.whereNote.textContent = 'To run it on a real broker, open a room in the Classroom tab first (pick a broker, "Open a room"), then come back here.';
    }
    if (this.onRoom.disabled && this.onRoom.checked) this.onPage.checked = true;
  }

  /** Whether the next start runs on the classroom's room. */
  get onTheRoom() {
    return !!this.onRoom?.checked && !this.onRoom.disabled;
  }

  #syncPause() {
    if (this.lab?.kind === 'room') {
      this.pauseBtn.disabled = true;
      this.stepBtn.disabled = true;
      this.speedSel.disabled = true;
      return;
    }
    this.speedSel.disabled = false;
    const paused = !!this.lab?.broker.paused;
    this.pauseBtn.setAttribute('aria-pressed', String(paused));
    this.pauseBtn.textContent = paused ? 'Resume' : 'Pause';
    this.stepBtn.disabled = !paused;
  }

  #buildConsole() {
    const kinds = new Set(this.o.console ?? ['publish', 'subscribe', 'connection', 'loss', 'v5']);
    const id = this.id;
    const f = this.consoleEl;
    const field = (name, label, input) => {
      input.id = `${id}-${name}`;
      input.name = name;
      return h('div', { class: 'ctl' }, h('label', { for: input.id }, label), input);
    };
    const qos = () => h('select', {}, ['0', '1', '2'].map((q) => h('option', { value: q }, q)));
    this.actAs = h('select', { 'data-ls-as': '' });
    const pieces = [field('as', 'Act as', this.actAs)];
    if (kinds.has('publish')) {
      const pub = h('fieldset', { class: 'ls-pub', 'data-ls-pub': '' }, h('legend', {}, 'Publish'),
        field('topic', 'Topic', h('input', { spellcheck: 'false', autocomplete: 'off' })),
        field('payload', 'Payload', h('input', { spellcheck: 'false', autocomplete: 'off' })),
        h('div', { class: 'row' }, field('qos', 'QoS', qos()),
          h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'retain', 'data-ls-retain': '' }), ' Retain')),
        kinds.has('v5') ? h('div', { class: 'ls-v5' },
          field('expiry', 'Expiry (s)', h('input', { type: 'number', min: '0', max: '4294967295', inputmode: 'numeric' })),
          field('responseTopic', 'Response topic', h('input', { spellcheck: 'false', autocomplete: 'off' })),
          field('correlationData', 'Correlation data', h('input', { spellcheck: 'false', autocomplete: 'off' }))) : null,
        h('button', { type: 'button', class: 'primary', 'data-ls-do': 'publish' }, 'Publish'));
      pieces.push(pub);
    }
    if (kinds.has('subscribe')) {
      pieces.push(h('fieldset', { class: 'ls-sub', 'data-ls-sub': '' }, h('legend', {}, 'Subscribe'),
        field('filter', 'Filter', h('input', { spellcheck: 'false', autocomplete: 'off' })),
        field('subQos', 'QoS', qos()),
        h('button', { type: 'button', 'data-ls-do': 'subscribe' }, 'Subscribe'),
        h('button', { type: 'button', 'data-ls-do': 'unsubscribe' }, 'Unsubscribe')));
    }
    const buttons = [];
    if (kinds.has('connection')) {
      buttons.push(
        h('button', { type: 'button', 'data-ls-do': 'connect' }, 'Connect'),
        h('button', { type: 'button', 'data-ls-do': 'disconnect', title: 'Leaves properly: sends DISCONNECT' }, 'Disconnect'),
        h('button', { type: 'button', 'data-ls-do': 'cutLink', title: 'The connection breaks without DISCONNECT' }, 'Cut its link'));
    }
    if (kinds.has('loss')) {
      buttons.push(
        h('button', { type: 'button', 'data-ls-do': 'loseNext', 'data-direction': 'toBroker' }, 'Lose the next packet to the broker'),
        h('button', { type: 'button', 'data-ls-do': 'loseNext', 'data-direction': 'toClient' }, 'Lose the next packet from the broker'));
    }
    if (buttons.length) pieces.push(h('div', { class: 'ls-faults', role: 'group', 'aria-label': 'Connection and faults' }, buttons));
    this.consoleStatus = h('p', { class: 'field-error', 'data-ls-console-status': '', role: 'status' });
    pieces.push(this.consoleStatus);
    f.append(...pieces);
    f.addEventListener('submit', (e) => e.preventDefault());
    f.addEventListener('click', (e) => {
      const b = e.target.closest('[data-ls-do]');
      if (b) this.#act(b.dataset.lsDo, b.dataset.direction);
    });
    this.#enableConsole(false);
    // Sensible first values: the lesson's first published topic and a filter that matches it.
    const firstPub = this.scenario.steps.find((s) => s.do === 'publish');
    const el = (n) => f.elements.namedItem(n);
    if (el('topic')) el('topic').value = firstPub?.topic ?? 'test/hello';
    if (el('payload')) el('payload').value = firstPub?.payload || 'hello';
    if (el('qos') && firstPub) el('qos').value = String(firstPub.qos ?? 0);
    if (el('filter')) el('filter').value = firstPub ? firstPub.topic.split('/').slice(0, -1).concat('#').join('/') : 'test/#';
    for (const c of this.scenario.clients) this.actAs.append(h('option', { value: c.id }, c.id));
    if (firstPub) this.actAs.value = firstPub.client;
  }

  #enableConsole(on) {
    for (const x of this.consoleEl.querySelectorAll('input, select, button')) x.disabled = !on;
  }

  // ---- running ----------------------------------------------------------------

  /** Starts (or restarts from the beginning) on a fresh lab with the scenario's seed. */
  async start() {
    this.stop();
    this.startBtn.disabled = true;
    const room = this.onTheRoom ? this.o.rooms.current() : null;
    let lab;
    if (room) {
      // The last run's clean-up (retained messages, sessions) first: the new run may use the same topics.
      await this.#cleaning;
      lab = new RoomLab({ mqtt: await this.o.rooms.mqtt(), url: room.url, code: room.code, observer: room.client });
    } else {
      lab = await createLab({ seed: this.scenario.seed, speed: Number(this.speedSel.value) });
      lab.broker.speed = Number(this.speedSel.value); // it may have changed meanwhile
    }
    if (this.#destroyed || this.lab) {
      lab.destroy();
      return;
    }
    this.lab = lab;
    this.el.dataset.where = room ? 'room' : 'page';
    this.player = new ScenarioPlayer(lab, room && this.o.roomScenario ? this.o.roomScenario : this.scenario);
    this.watch = new LessonWatch(lab, this.player);
    this.watch.matches = (f, t) => this.o.topic.topicMatches(f, t);
    for (const li of this.triesEl.children) this.#setTick(li, false);
    this.carried = [];
    this.player.addEventListener('step', (e) => {
      const { step, by } = e.detail;
      this.carried.push(step);
      if (step.note) this.#say(step.note);
      else if (by === 'you') this.#say(`You: ${describeStep(step)}.`);
      else if (by === 'student') this.#say(`From a phone in the room: ${describeStep(step)}.`);
      this.#dirty = true;
    });
    this.player.addEventListener('error', (e) => {
      this.consoleStatus.textContent = `The simulation refused "${describeStep(e.detail.step)}": ${e.detail.message}`;
    });
    this.player.addEventListener('done', () => this.el.setAttribute('data-done', 'true'));
    this.onEvents = () => {
      this.#dirty = true;
    };
    lab.broker.addEventListener('events', this.onEvents);
    if (room) {
      lab.addEventListener('student', (e) => this.player?.observed(e.detail.step, 'student', e.detail.at));
      lab.addEventListener('problem', (e) => { this.consoleStatus.textContent = e.detail; });
      lab.addEventListener('change', this.onEvents);
      lab.addEventListener('ready', () => this.#say('The clients are connected to the room\'s broker: the scenario plays in real time.'));
    }
    this.stageEl.replaceChildren();
    this.#stage = this.o.mountStage(this.stageEl, lab);
    this.el.dataset.state = 'running';
    this.el.removeAttribute('data-done');
    this.#say(room
      ? `Starting on ${room.url}, room ${room.code}: the clients connect to the real broker.`
      : 'Starting: the clients connect to the broker.');
    this.player.start();
    this.#enableConsole(true);
    this.startBtn.disabled = true;
    this.resetBtn.disabled = false;
    this.pauseBtn.disabled = false;
    this.copyBtn.disabled = false;
    this.consoleStatus.textContent = '';
    this.#syncPause();
    this.#dirty = true;
    const loop = () => {
      this.#frame = requestAnimationFrame(loop);
      this.#tick();
    };
    this.#frame = requestAnimationFrame(loop);
    this.o.onStarted?.(this);
  }

  /** Stops and frees the lab; the area stays, ready to start again. */
  stop() {
    cancelAnimationFrame(this.#frame);
    this.player?.stop();
    this.watch?.destroy();
    this.#stage?.destroy?.();
    this.#stage = null;
    if (this.lab) {
      this.lab.broker.removeEventListener('events', this.onEvents);
      const done = this.lab.destroy();
      // A room's lab clears what it left on the broker: the next run waits for it.
      if (this.lab.kind === 'room') this.#cleaning = done;
    }
    this.lab = null;
    this.player = null;
    this.watch = null;
    this.startBtn.disabled = false;
    this.speedSel.disabled = false; // a run on a room had turned it off
    this.#enableConsole(false);
  }

  /** Resolves once the last run on a room has cleaned up after itself. */
  get cleaned() {
    return Promise.resolve(this.#cleaning);
  }

  destroy() {
    this.#destroyed = true;
    this.#offRoom?.();
    this.stop();
    this.#playground?.destroy();
  }

  #say(text) {
    replace(this.caption, rich(text));
  }

  #tick() {
    if (!this.lab) return;
    this.clock.textContent = seconds(this.player.elapsed);
    // Checks that wait for time to pass are evaluated on every frame.
    this.#evaluate();
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#renderClients();
    this.#renderExtra();
  }

  #act(kind, direction) {
    const f = this.consoleEl;
    const v = (n) => f.elements.namedItem(n)?.value ?? '';
    const client = this.actAs.value;
    const t = this.o.topic;
    let step;
    this.consoleStatus.textContent = '';
    if (kind === 'publish') {
      const topic = v('topic');
      const why = t.checkTopicName(topic);
      if (why) {
        this.consoleStatus.textContent = `Not a valid topic: ${why}`;
        return;
      }
      step = { do: 'publish', client, topic, payload: v('payload'), qos: Number(v('qos')), retain: f.elements.namedItem('retain').checked };
      if (f.elements.namedItem('expiry')) {
        const exp = v('expiry').trim();
        if (exp !== '') {
          const n = Number(exp);
          if (!Number.isInteger(n) || n < 0 || n > 4294967295) {
            this.consoleStatus.textContent = 'The expiry must be a whole number of seconds.';
            return;
          }
          step.expiry = n;
        }
        const rt = v('responseTopic').trim();
        if (rt) {
          const bad = t.checkTopicName(rt);
          if (bad) {
            this.consoleStatus.textContent = `Not a valid response topic: ${bad}`;
            return;
          }
          step.responseTopic = rt;
        }
        if (v('correlationData')) step.correlationData = v('correlationData');
      }
    } else if (kind === 'subscribe' || kind === 'unsubscribe') {
      const filter = v('filter');
      const why = t.checkTopicFilter(filter);
      if (why) {
        this.consoleStatus.textContent = `Not a valid filter: ${why}`;
        return;
      }
      step = kind === 'subscribe' ? { do: 'subscribe', client, filter, qos: Number(v('subQos')) } : { do: 'unsubscribe', client, filter };
    } else if (kind === 'loseNext') {
      step = { do: 'loseNext', client, direction, count: 1 };
    } else {
      step = { do: kind, client };
    }
    const error = this.player?.act(step);
    if (error) this.consoleStatus.textContent = `Not done: ${error}`;
    this.#dirty = true;
  }

  // ---- rendering ----------------------------------------------------------------

  #setTick(li, done) {
    li.dataset.done = String(done);
    li.querySelector('[data-try-state]').textContent = done ? ' (done)' : ' (not done yet)';
  }

  #evaluate() {
    const w = this.watch;
    if (!w) return;
    (this.o.tries ?? []).forEach((t, i) => {
      const li = this.triesEl.children[i];
      if (li.dataset.done === 'true') return;
      let ok = false;
      try {
        ok = !!(this.lab?.kind === 'room' && t.room ? t.room(w) : t.check(w));
      } catch {
        ok = false;
      }
      if (ok) this.#setTick(li, true);
    });
  }

  #renderClients() {
    const snap = this.lab.snapshot();
    const sessions = new Map(snap.broker.sessions.map((s) => [s.clientId, s]));
    const byClient = new Map();
    for (const m of this.watch.messages) {
      let a = byClient.get(m.client);
      if (!a) byClient.set(m.client, (a = []));
      a.push(m);
    }
    const items = snap.clients.map((c) => {
      const sc = this.player.clients.get(c.id);
      const got = byClient.get(c.id) ?? [];
      const sess = sessions.get(c.clientId ?? c.id);
      const state = c.state === 'connected' ? 'connected' : (c.state === 'opening' || c.state === 'connecting' || c.state === 'reconnecting') ? 'connecting' : 'offline';
      return h('li', { class: 'ls-client', 'data-ls-client': c.id, 'data-state': state },
        h('div', { class: 'ls-client-head' },
          h('strong', {}, c.id),
          sc?.role ? h('span', { class: 'ls-role' }, sc.role) : null,
          h('span', { class: 'ls-state', 'data-state': state }, state)),
        c.subscriptions.length ? h('p', { class: 'ls-subs' }, 'subscribed: ', c.subscriptions.map((s, i) => [i ? ', ' : '', h('code', {}, s)])) : null,
        sess && !sess.online ? h('p', { class: 'ls-session' }, `the broker keeps its session: ${sess.queued} queued`) : null,
        h('p', { class: 'ls-received', 'data-received': got.length }, `received ${got.length}`),
        got.length ? h('ul', { class: 'ls-msgs' }, got.slice(-4).map((m) => h('li', {},
          h('code', {}, m.topic), ' = ', `"${m.payload}"`,
          m.retain ? h('span', { class: 'ls-flag' }, 'retained') : null,
          m.correlation !== undefined ? h('span', { class: 'ls-flag' }, `correlation "${m.correlation}"`) : null))) : null);
    });
    replace(this.clientsEl, items);
  }

  #renderExtra() {
    const kind = this.o.extra;
    const w = this.watch;
    if (kind === 'links') {
      replace(this.extraEl, h('section', { class: 'ls-links', 'aria-label': 'Links' },
        h('h4', {}, 'Who talks to whom'),
        h('dl', {},
          h('dt', {}, 'packets client → broker'), h('dd', { 'data-ls-count': 'toBroker' }, String(w.packets.toBroker)),
          h('dt', {}, 'packets broker → client'), h('dd', { 'data-ls-count': 'toClient' }, String(w.packets.toClient)),
          h('dt', {}, 'packets client → client'), h('dd', { 'data-ls-count': 'direct' }, '0', h('span', { class: 'ls-note' }, ' (there is no such link)')))));
    } else if (kind === 'counts') {
      const published = new Map();
      for (const s of this.player ? this.#carried() : []) {
        if (s.do === 'publish') published.set(s.topic, (published.get(s.topic) ?? 0) + 1);
      }
      const received = new Map();
      for (const m of w.messages) {
        const r = received.get(m.topic) ?? { n: 0, who: new Set() };
        r.n++;
        r.who.add(m.client);
        received.set(m.topic, r);
      }
      const topics = [...new Set([...published.keys(), ...received.keys()])];
      replace(this.extraEl, h('section', { class: 'ls-counts', 'aria-labelledby': `${this.id}-cnt` },
        h('h4', { id: `${this.id}-cnt` }, 'Published and received, per topic'),
        h('table', {},
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'topic'), h('th', { scope: 'col' }, 'published'), h('th', { scope: 'col' }, 'received'), h('th', { scope: 'col' }, 'by'))),
          h('tbody', {}, topics.map((tp) => {
            const r = received.get(tp);
            return h('tr', { 'data-topic': tp },
              h('td', {}, h('code', {}, tp)),
              h('td', { 'data-published': '' }, String(published.get(tp) ?? 0)),
              h('td', { 'data-received': '' }, String(r?.n ?? 0)),
              h('td', {}, r ? [...r.who].join(', ') : 'nobody'));
          })))));
    } else if (kind === 'retained') {
      const ret = this.lab.snapshot().broker.retained;
      const dec = new TextDecoder();
      replace(this.extraEl, h('section', { class: 'ls-retained', 'aria-labelledby': `${this.id}-ret` },
        h('h4', { id: `${this.id}-ret` }, 'What the broker stores'),
        h('p', { class: 'help' }, this.lab.kind === 'room'
          ? 'The retained messages this lesson set in the room, one per topic, as this page saw the broker take them; the lesson clears them when it stops. Nothing else that was published is kept.'
          : 'The retained messages, one per topic. Nothing else that was published is kept.'),
        ret.length ? h('ul', { 'data-ls-retained': '' }, ret.map((r) => h('li', { 'data-topic': r.topic },
          h('code', {}, r.topic), ' = ', `"${dec.decode(r.payload)}"`))) : h('p', { 'data-ls-retained': '' }, 'Nothing stored.')));
    }
  }

  /** Every step carried out so far (scenario and by hand). */
  #carried() {
    return this.carried ?? [];
  }
}
