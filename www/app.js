// Boots the page: loads the WebAssembly codec, wires the tabs, mounts the
// packet inspector, starts the in-page broker with its simulated clients and
// the user's own client, and mounts the Broker & clients, Messages and Topics
// views. State lives in three stores (connections, messages, inspector); the
// views render them.
import init, {
  annotate, encode, reasonCodeName, version, topicMatches, checkTopicFilter, checkTopicName, explainMatch,
} from './pkg/mqtt_lab.js';
import { initTabs } from './ui/tabs.js';
import { mountInspector, showPacket } from './ui/inspector.js';
import { buildExamples } from './ui/examples.js';
import { startInPageLab } from './ui/inpage.js';
import { ConnectionStore, SimConnection, RemoteConnection, randomClientId } from './ui/connections.js';
import { MessageStore } from './ui/message-store.js';
import { mountBrokerView } from './ui/broker-view.js';
import { mountMessagesView } from './ui/messages-view.js';
import { mountTopicsView } from './ui/topics-view.js';
import { mountLessons } from './ui/lessons.js';
import { mountPacketLog } from './ui/lessons-log.js';
import { mountDiagram } from './ui/diagram.js';
import { simSource } from './ui/sim-source.js';
import { roomLabSource } from './ui/room-lab-source.js';
import { mountClassroom } from './ui/classroom.js';
import { parseJoin } from './ui/room.js';
import { registerOffline } from './ui/offline.js';

// A join link (#join=<code>&broker=<url>) makes this the student's page (classroom.css).
if (parseJoin(location.hash)) document.documentElement.dataset.mode = 'student';
registerOffline();

const selectTab = initTabs();
// `#inspector`, `#topics`... open that tab, at load and when the hash changes later.
const showHashTab = () => {
  const name = location.hash.slice(1);
  if (document.querySelector(`[data-tab="${CSS.escape(name)}"]`)) selectTab(name);
};
showHashTab();
window.addEventListener('hashchange', showHashTab);

try {
  await init();
  document.querySelector('[data-version]').textContent = `v${version()}`;
  const examples = buildExamples(encode);
  mountInspector(document.querySelector('[data-panel="inspector"]'), { annotate, reasonCodeName }, examples, {
    initial: 'publish1-v5',
  });
} catch (e) {
  const box = document.querySelector('[data-boot-error]');
  box.hidden = false;
  box.textContent = `The MQTT codec (WebAssembly) could not be loaded: ${e.message}. ` +
    'Build it with cargo build --release --target wasm32-unknown-unknown --lib and wasm-bindgen --target web --out-dir www/pkg.';
  document.querySelector('[data-version]').textContent = 'codec missing';
  throw e;
}

const topic = { checkTopicFilter, checkTopicName, topicMatches };
const lab = await startInPageLab({ seed: (Date.now() % 2 ** 31) >>> 0 });
// The diagram, mounted before "you" connects so its CONNECT is drawn too.
// `?projector` (or `#projector`) in the address opens it in projector mode.
const projector = new URLSearchParams(location.search).has('projector') || /^#(.*&)?projector(&|$)/.test(location.hash);
// A quarter of real time: slow enough to see each packet travel on its link.
lab.broker.speed = 0.25;
const diagram = mountDiagram(document.querySelector('[data-diagram-mount]'), {
  source: simSource(lab),
  showPacket,
  projector,
  onProjector(on) {
    const u = new URL(location.href);
    if (on) u.searchParams.set('projector', '');
    else u.searchParams.delete('projector');
    history.replaceState(null, '', u);
  },
});
/**
 * The diagram on another lab (a lesson's own: in-page, or on a classroom room's
 * real broker); `destroy()` lets go of the lab too.
 */
function mountStage(element, stageLab, options) {
  const source = stageLab.kind === 'room' ? roomLabSource(stageLab) : simSource(stageLab);
  const stage = mountDiagram(element, { source, showPacket, ...options });
  const destroy = stage.destroy;
  stage.destroy = () => {
    destroy();
    source.dispose();
  };
  return stage;
}
const messages = new MessageStore({ perTopic: 100, total: 5000 });
const connections = new ConnectionStore();

function addConnection(conn) {
  conn.onMessage = (m) => {
    m.colour = conn.colourFor(m.topic, topicMatches);
    messages.add(m);
  };
  connections.add(conn);
  return conn;
}

function openConnection(settings) {
  const conn = settings.broker === 'inpage' ? new SimConnection(lab, settings) : new RemoteConnection(settings);
  addConnection(conn);
  connections.select(conn);
  conn.connect();
  return conn;
}

/** The bytes of a message for the inspector: as received, else encoded again. */
function showBytes(m) {
  let bytes = m.bytes;
  const v = m.protocolVersion ?? 5;
  if (!bytes) {
    const packet = { cmd: 'publish', topic: m.topic, payload: m.payload, qos: m.qos, retain: !!m.retain, dup: !!m.dup };
    if (m.qos) packet.messageId = m.packet?.messageId ?? 1;
    if (v === 5 && m.properties) packet.properties = m.properties;
    try {
      bytes = encode(packet, { protocolVersion: v });
    } catch {
      bytes = encode({ cmd: 'publish', topic: m.topic, payload: m.payload, qos: 0, retain: false }, { protocolVersion: v });
    }
  }
  showPacket(bytes, v);
}

mountBrokerView(document.querySelector('[data-panel="diagram"]'), { lab, connections, topic, onConnect: openConnection });
mountMessagesView(document.querySelector('[data-panel="messages"]'), { store: messages, connections, topic, showBytes });
const topics = mountTopicsView(document.querySelector('[data-panel="topics"]'), { store: messages });
const classroom = mountClassroom({ topic, encode, showPacket });
// An open classroom room's traffic, on a diagram of its own.
let roomStage = null;
classroom.onRoom?.((source) => {
  roomStage?.destroy();
  roomStage = source ? mountDiagram(classroom.diagramElement, { source, showPacket }) : null;
  classroom.stage = roomStage;
});

// "You": the user's own client of the in-page broker, listening to home/# so
// the first screen already shows the sensor's readings arriving.
const you = openConnection({
  broker: 'inpage', name: 'you', clientId: 'you', protocolVersion: 5, keepalive: 60, clean: true, reconnect: true,
});
you.subscribe({ filter: 'home/#', qos: 1, nl: false, rap: false, rh: 0 });

// Connections remembered from earlier visits come back closed, one click from connecting.
for (const s of ConnectionStore.saved()) {
  if (s && s.url) addConnection(new RemoteConnection({ ...s, clientId: s.clientId || randomClientId() }));
}
connections.select(you);

// Each lesson plays on a lab of its own; its stage is the animated diagram of that
// lab (the lesson has its own pause and speed) with the packet log, its text form, beside it.
function mountLessonStage(element, lessonLab) {
  const picture = document.createElement('div');
  picture.className = 'lesson-diagram';
  const log = document.createElement('div');
  log.className = 'lesson-log';
  element.replaceChildren(picture, log);
  const diagramStage = mountStage(picture, lessonLab, { controls: false });
  const logStage = mountPacketLog(log, lessonLab, { showPacket });
  return {
    destroy() {
      diagramStage.destroy();
      logStage.destroy();
    },
  };
}
// A lesson can also run on the classroom's open room, on its real broker.
const rooms = classroom.mode === 'teacher' ? {
  current: () => (classroom.room && classroom.client
    ? { url: classroom.client.url, code: classroom.room.code, client: classroom.client } : null),
  onRoom: (cb) => classroom.onRoom(cb),
  mqtt: () => import('./lib/mqtt.js'),
} : null;
const lessons = mountLessons(document.querySelector('[data-panel="lessons"]'), {
  topic: { ...topic, explainMatch }, mountStage: mountLessonStage, rooms,
});

// For the end-to-end tests and for curious developers in the console.
window.mqttlab = { lab, messages, connections, topics, openConnection, showBytes, diagram, mountStage, lessons, classroom };
document.documentElement.dataset.ready = 'true';
