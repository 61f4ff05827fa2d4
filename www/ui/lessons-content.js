// The eight lessons: for each, a short text for students, the scenario its
// demonstration plays (scenario.js format), what the lesson's console offers,
// and the "try it" steps with the check that ticks each one when the class
// really did it. Texts use `backticks` for topics and packet names.
//
// Every check reads a LessonWatch (lessons-watch.js): what the lab really did.

const others = (w, p) => new Set(w.deliveries(p).map((m) => m.client).filter((c) => c !== p.client));
const pubs = (w) => w.did('publish');

export const LESSONS = [
  {
    id: 'pubsub',
    title: 'Publish and subscribe through a broker',
    text: [
      'In MQTT, clients never talk to each other. Each client opens one connection, to the broker, and sends everything there.',
      'A client with something to say publishes a message to a topic, a name such as `home/kitchen/temperature`. The message goes to the broker, not to anyone in particular.',
      'A client that wants messages subscribes: it tells the broker which topics interest it. The broker sends it a copy of each message published to those topics.',
      'The publisher does not know who receives its message, or whether anyone does. A subscriber does not need to know who published.',
    ],
    extra: 'links',
    console: ['publish', 'connection'],
    scenario: {
      title: 'Publish and subscribe through a broker',
      seed: 11,
      clients: [
        { id: 'sensor', role: 'temperature sensor' },
        { id: 'display', role: 'kitchen display', subscribe: ['home/kitchen/temperature'] },
        { id: 'phone', role: 'phone', subscribe: ['home/kitchen/temperature'] },
      ],
      steps: [
        { at: 700, do: 'note', note: 'Each client opened one connection, to the broker (CONNECT, CONNACK). The display and the phone subscribed (SUBSCRIBE, SUBACK).' },
        { at: 2000, do: 'publish', client: 'sensor', topic: 'home/kitchen/temperature', payload: '21.5', note: 'The sensor publishes. Its PUBLISH goes to the broker only; the broker sends a copy to each subscriber.' },
        { at: 5000, do: 'disconnect', client: 'display', note: 'The display disconnects.' },
        { at: 6500, do: 'publish', client: 'sensor', topic: 'home/kitchen/temperature', payload: '21.7', note: 'The sensor publishes exactly as before: nobody tells it the display left. Only the phone receives this one.' },
      ],
    },
    tries: [
      {
        text: 'Act as the sensor and publish to `home/kitchen/temperature`: the PUBLISH goes to the broker, then from the broker to each subscriber.',
        check: (w) => pubs(w).some((p) => others(w, p).size >= 1),
      },
      {
        text: 'Connect the display again, then publish from the sensor: both subscribers receive it.',
        check: (w) => pubs(w).some((p) => others(w, p).size >= 2),
      },
      {
        text: 'Disconnect a subscriber and publish: the sensor publishes all the same, and the broker delivers to the clients still there.',
        check: (w) => pubs(w).some((p) => p.offline.size > 0 && others(w, p).size >= 1),
      },
    ],
  },
  {
    id: 'topics',
    title: 'Topics: the broker filters',
    text: [
      'A topic is a name made of levels separated by `/`, like a path: `home/kitchen/temperature`. Topics are not created in advance: publishing to one is enough.',
      'For each message, the broker compares its topic with every subscription and sends the message to each client whose subscription matches. That can be many clients, one, or none at all: then the broker simply drops the message, and the publisher is not told.',
      '"Sensor" and "display" are only roles: every client can publish and subscribe, both on the same connection.',
    ],
    extra: 'counts',
    console: ['publish', 'subscribe'],
    scenario: {
      title: 'Topics: the broker filters',
      seed: 12,
      clients: [
        { id: 'kitchen', role: 'kitchen sensor' },
        { id: 'garden', role: 'garden sensor' },
        { id: 'display', role: 'kitchen display', subscribe: ['home/kitchen/temperature'] },
        { id: 'phone', role: 'phone', subscribe: ['home/kitchen/temperature', 'home/garden/temperature'] },
        { id: 'heater', role: 'kitchen heater', subscribe: ['home/kitchen/heater'] },
      ],
      steps: [
        { at: 1500, do: 'publish', client: 'kitchen', topic: 'home/kitchen/temperature', payload: '21.5', note: 'Two subscriptions match `home/kitchen/temperature`: two receivers.' },
        { at: 4000, do: 'publish', client: 'garden', topic: 'home/garden/temperature', payload: '14.0', note: 'Only the phone subscribed to `home/garden/temperature`: one receiver.' },
        { at: 6500, do: 'publish', client: 'kitchen', topic: 'home/kitchen/humidity', payload: '48%', note: 'Nobody subscribed to `home/kitchen/humidity`: no receiver. The broker drops the message.' },
        { at: 9000, do: 'publish', client: 'phone', topic: 'home/kitchen/heater', payload: 'on', note: 'The phone, a subscriber so far, publishes too, and the heater receives it.' },
      ],
    },
    tries: [
      {
        text: 'Publish to a topic that reaches 2 receivers.',
        check: (w) => pubs(w).some((p) => others(w, p).size === 2),
      },
      {
        text: 'Publish to a topic nobody subscribed to: 0 receivers (the count table shows it).',
        check: (w) => pubs(w).some((p) => w.settled(p.at, 3000) && w.deliveries(p).length === 0),
      },
      {
        text: 'Make the kitchen sensor receive a message: subscribe it to a topic, then publish to that topic from another client.',
        check: (w) => w.did('subscribe').some((s) => s.client === 'kitchen')
          && w.messages.some((m) => m.client === 'kitchen'),
      },
    ],
  },
  {
    id: 'wildcards',
    title: 'Wildcards: + and #',
    text: [
      'A subscription can name many topics at once with a wildcard. `+` stands for exactly one level: `home/+/temperature` matches `home/kitchen/temperature` and `home/garden/temperature`, but not `home/kitchen/fridge/temperature`.',
      '`#` stands for any number of levels, and must be the last level: `home/#` matches `home/garden/sprinkler/state`, and `home` itself.',
      'One exception: topics that start with `$` (such as `$SYS/...`, where brokers publish their own statistics) are not matched by a filter that starts with a wildcard, so even `#` does not receive them.',
      'Wildcards are for subscribing only: a message is always published to one exact topic.',
    ],
    extra: 'playground',
    console: ['publish', 'subscribe'],
    scenario: {
      title: 'Wildcards: + and #',
      seed: 13,
      clients: [
        { id: 'house', role: 'publishes for the whole house' },
        { id: 'thermo', role: 'all temperatures', subscribe: ['home/+/temperature'] },
        { id: 'kitchen-panel', role: 'everything in the kitchen', subscribe: ['home/kitchen/#'] },
        { id: 'logger', role: 'logs everything', subscribe: ['#'] },
      ],
      steps: [
        { at: 1500, do: 'publish', client: 'house', topic: 'home/kitchen/temperature', payload: '21.5', note: '`home/kitchen/temperature` matches `home/+/temperature`, `home/kitchen/#` and `#`: three receivers.' },
        { at: 4000, do: 'publish', client: 'house', topic: 'home/garden/temperature', payload: '14.0', note: '`home/garden/temperature` matches `home/+/temperature` and `#`, not `home/kitchen/#`.' },
        { at: 6500, do: 'publish', client: 'house', topic: 'home/kitchen/fridge/temperature', payload: '4.0', note: '`+` is one level only: `home/+/temperature` does not match `home/kitchen/fridge/temperature`. `home/kitchen/#` does.' },
        { at: 9000, do: 'publish', client: 'house', topic: 'home/kitchen', payload: 'lights on', note: '`#` also matches the level above it: `home/kitchen/#` receives `home/kitchen`.' },
      ],
    },
    tries: [
      {
        text: 'Subscribe a client with a filter that uses `+`, then publish a message it receives.',
        check: (w) => w.did('subscribe').some((s) => s.filter.includes('+')
          && w.messages.some((m) => m.client === s.client && m.at > s.at && w.matches(s.filter, m.topic))),
      },
      {
        text: 'Subscribe a client with a filter that ends in `#`, then publish a message it receives.',
        check: (w) => w.did('subscribe').some((s) => s.filter.endsWith('#')
          && w.messages.some((m) => m.client === s.client && m.at > s.at && w.matches(s.filter, m.topic))),
      },
      {
        text: 'In the playground, find a filter and a topic that do not match, and read why.',
        check: (w) => w.explained.some((x) => !x.invalid && !x.matches),
      },
      {
        text: 'In the playground, type a filter that is not valid (for example `home/#/state`) and read the rule it breaks.',
        check: (w) => w.explained.some((x) => x.invalid === 'filter'),
      },
    ],
  },
  {
    id: 'retained',
    title: 'Retained messages',
    text: [
      'A broker does not store messages: it passes each one to the subscribers connected at that moment, then forgets it. A client that subscribes later gets nothing of the past.',
      'Except for one message per topic: a publisher can set the retain flag. The broker then keeps that message as the topic\'s retained message, and sends it at once to every client that subscribes later, marked as retained. It is how a newcomer learns the last known value without waiting.',
      'A new retained message replaces the old one. An empty retained message deletes it.',
    ],
    extra: 'retained',
    console: ['publish', 'subscribe', 'connection'],
    scenario: {
      title: 'Retained messages',
      seed: 14,
      clients: [
        { id: 'sensor', role: 'garden sensor' },
        { id: 'display', role: 'display', subscribe: ['home/#'] },
        { id: 'newcomer', role: 'arrives late', connect: false },
      ],
      steps: [
        { at: 1500, do: 'publish', client: 'sensor', topic: 'home/garden/temperature', payload: '14.0', note: 'A message without retain: the display receives it, and the broker keeps nothing.' },
        { at: 4000, do: 'publish', client: 'sensor', topic: 'home/garden/temperature', payload: '14.5', retain: true, note: 'A retained message: the broker passes it on and keeps it as the topic\'s retained message.' },
        { at: 6500, do: 'connect', client: 'newcomer' },
        { at: 6500, do: 'subscribe', client: 'newcomer', filter: 'home/#', note: 'A newcomer subscribes. It receives 14.5 at once, marked retained. 14.0 is gone for good.' },
      ],
    },
    tries: [
      {
        text: 'Publish a retained message, then subscribe a client to its topic: the message arrives at once, marked retained.',
        check: (w) => w.did('subscribe').some((s) => w.messages.some((m) => m.client === s.client && m.retain && m.at > s.at
          && w.did('publish').some((p) => p.retain && p.topic === m.topic && p.payload === m.payload))),
      },
      {
        text: 'Publish a message without retain to a new topic, then subscribe a client to it: nothing arrives.',
        check: (w) => w.did('publish').some((p) => !p.retain && w.did('subscribe').some((s) => s.at > p.at
          && w.matches(s.filter, p.topic) && w.settled(s.at, 3000)
          && !w.messages.some((m) => m.client === s.client && m.at > s.at && m.topic === p.topic && m.payload === p.payload))),
      },
      {
        text: 'Delete a retained message: publish an empty message with retain to its topic.',
        check: (w) => w.did('publish').some((p) => p.retain && p.payload === '' && w.cleared.some((c) => c.topic === p.topic && c.at >= p.at)),
      },
    ],
  },
  {
    id: 'qos',
    title: 'QoS 0, 1 and 2 when packets are lost',
    text: [
      'MQTT runs over TCP, which never silently loses a packet: when a packet cannot get through, the connection breaks. A message on its way at that moment is what QoS is about. QoS applies to each hop: from the publisher to the broker, then from the broker to each subscriber.',
      'QoS 0, at most once: the message is sent once and never again. If the connection breaks, it is lost.',
      'QoS 1, at least once: the receiver answers `PUBACK`. Until then the sender keeps the message, and after reconnecting it sends it again, marked `DUP`. If only the `PUBACK` was lost, the message arrives twice.',
      'QoS 2, exactly once: four packets (`PUBLISH`, `PUBREC`, `PUBREL`, `PUBCOMP`). The receiver remembers the packet identifier until the end, so a message sent again is not delivered again.',
      'Sending again after reconnecting needs the session to survive the break: the sender here has a persistent session.',
    ],
    extra: 'counts',
    console: ['publish', 'loss'],
    roomNote: 'On a real broker this page cannot lose a packet it has written, so the QoS 0 round (the PUBLISH lost) plays only on this page\'s simulated broker. On the room, "lose the next packet from the broker" cuts the connection right after a QoS 1 or 2 PUBLISH is written, before its acknowledgement comes back.',
    roomScenario: {
      title: 'QoS 1 and 2 when the connection breaks, on a real broker',
      seed: 15,
      clients: [
        { id: 'sender', role: 'persistent session', clean: false, sessionExpiry: 600 },
        { id: 'receiver', role: 'subscribed at QoS 2', subscribe: [{ filter: 'lab/#', qos: 2 }] },
      ],
      steps: [
        { at: 1000, do: 'note', note: 'On a real broker this page cannot lose a packet it has written, so the QoS 0 round plays only on this page\'s broker. Here the connection is cut right after a PUBLISH is written, before its acknowledgement comes back.' },
        { at: 3000, do: 'loseNext', client: 'sender', direction: 'toClient', note: 'Round 1, QoS 1: the connection breaks right after the PUBLISH is written. The broker got it and passes it on, but its PUBACK never reaches the sender.' },
        { at: 3000, do: 'publish', client: 'sender', topic: 'lab/qos1', payload: 'reading 2', qos: 1 },
        { at: 9000, do: 'loseNext', client: 'sender', direction: 'toClient', note: 'Round 2, QoS 2: the same break, so the PUBREC never reaches the sender. After reconnecting it sends the PUBLISH again, marked DUP; the broker knows its packet identifier.' },
        { at: 9000, do: 'publish', client: 'sender', topic: 'lab/qos2', payload: 'reading 3', qos: 2 },
        { at: 15000, do: 'note', note: 'The counts: QoS 1 received twice, QoS 2 received exactly once.' },
      ],
    },
    scenario: {
      title: 'QoS 0, 1 and 2 when packets are lost',
      seed: 15,
      clients: [
        { id: 'sender', role: 'persistent session', clean: false, sessionExpiry: 600 },
        { id: 'receiver', role: 'subscribed at QoS 2', subscribe: [{ filter: 'lab/#', qos: 2 }] },
      ],
      steps: [
        { at: 1500, do: 'loseNext', client: 'sender', direction: 'toBroker', note: 'Round 1, QoS 0: the next packet from the sender to the broker will be lost, and the connection with it.' },
        { at: 1500, do: 'publish', client: 'sender', topic: 'lab/qos0', payload: 'reading 1', qos: 0 },
        { at: 6500, do: 'loseNext', client: 'sender', direction: 'toClient', note: 'Round 2, QoS 1: the PUBLISH gets through and the broker passes it on, but its PUBACK back to the sender will be lost.' },
        { at: 6500, do: 'publish', client: 'sender', topic: 'lab/qos1', payload: 'reading 2', qos: 1 },
        { at: 12500, do: 'loseNext', client: 'sender', direction: 'toClient', note: 'Round 3, QoS 2: this time the PUBREC back to the sender will be lost.' },
        { at: 12500, do: 'publish', client: 'sender', topic: 'lab/qos2', payload: 'reading 3', qos: 2 },
        { at: 18500, do: 'note', note: 'The counts: QoS 0 lost (0 received), QoS 1 received twice, QoS 2 received exactly once.' },
      ],
    },
    tries: [
      {
        text: 'Press "Lose the next packet to the broker", then publish at QoS 0: it never arrives. (On this page\'s simulated broker only.)',
        check: (w) => w.did('publish').some((p) => p.qos === 0 && lostAfter(w, p, 'toBroker') && w.settled(p.at) && w.deliveries(p).length === 0),
      },
      {
        text: 'Press "Lose the next packet from the broker", then publish at QoS 1: it arrives twice.',
        check: (w) => w.did('publish').some((p) => p.qos === 1 && lostAfter(w, p, 'toClient') && w.deliveries(p).length >= 2),
      },
      {
        text: 'Press "Lose the next packet from the broker", then publish at QoS 2: it arrives exactly once.',
        check: (w) => w.did('publish').some((p) => p.qos === 2 && lostAfter(w, p, 'toClient') && w.settled(p.at) && w.deliveries(p).length === 1),
      },
    ],
  },
  {
    id: 'will',
    title: 'The last Will',
    text: [
      'When it connects, a client can leave a Will with the broker: a message (topic, payload, QoS, retain) to publish on its behalf if it vanishes.',
      'If the connection breaks without a `DISCONNECT` (a cable pulled, a battery dead, a crash), the broker publishes the Will. If the client says goodbye with `DISCONNECT`, the broker throws the Will away.',
      'A Will is often retained, so that a client that subscribes later also learns that the device is offline.',
    ],
    console: ['publish', 'connection'],
    scenario: {
      title: 'The last Will',
      seed: 16,
      clients: [
        {
          id: 'sensor', role: 'leaves a Will', reconnect: false,
          will: { topic: 'home/sensor/status', payload: 'offline', qos: 1, retain: true },
        },
        { id: 'display', role: 'display', subscribe: [{ filter: 'home/#', qos: 1 }] },
      ],
      steps: [
        { at: 1200, do: 'publish', client: 'sensor', topic: 'home/sensor/status', payload: 'online', qos: 1, retain: true, note: 'The sensor connected with a Will: "offline" to `home/sensor/status`. It announces "online".' },
        { at: 3000, do: 'publish', client: 'sensor', topic: 'home/sensor/temperature', payload: '20.5' },
        { at: 5500, do: 'cutLink', client: 'sensor', note: 'The sensor\'s link is cut: no DISCONNECT. The broker notices the connection is gone and publishes the Will; the display receives "offline".' },
      ],
    },
    tries: [
      {
        text: 'Connect the sensor again, then cut its link: the display receives the Will.',
        check: (w) => w.did('cutLink').some((c) => w.wills.some((x) => x.clientId === c.client && x.at >= c.at
          && w.messages.some((m) => m.client !== c.client && m.topic === x.topic && m.at >= x.at))),
      },
      {
        text: 'Connect the sensor again, then disconnect it properly (DISCONNECT): no Will is published.',
        check: (w) => w.did('disconnect').some((d) => w.closes.some((c) => c.clientId === d.client && c.at >= d.at && /^DISCONNECT/.test(c.reason))
          && w.settled(d.at, 2000) && !w.wills.some((x) => x.clientId === d.client && x.at >= d.at)),
      },
    ],
  },
  {
    id: 'sessions',
    title: 'Persistent sessions and queued messages',
    text: [
      'The broker keeps a session for each client: its subscriptions, and the messages on their way to it.',
      'With a clean session (Clean Start in MQTT 5), the session ends when the client leaves. Whatever is published while it is away is lost for it. (Its client software subscribes again by itself when it comes back, but the past is gone.)',
      'With a persistent session, the broker keeps the session while the client is away and queues the messages for it. When the client reconnects, the broker says "session present" and sends what it queued. MQTT requires this for QoS 1 and 2; this broker queues QoS 0 too, which MQTT allows.',
    ],
    console: ['publish', 'connection'],
    scenario: {
      title: 'Persistent sessions and queued messages',
      seed: 17,
      clients: [
        { id: 'sensor', role: 'hall sensor' },
        { id: 'keeper', role: 'persistent session', clean: false, sessionExpiry: 3600, subscribe: [{ filter: 'home/#', qos: 1 }] },
        { id: 'forgetter', role: 'clean session', subscribe: [{ filter: 'home/#', qos: 1 }] },
      ],
      steps: [
        { at: 1500, do: 'publish', client: 'sensor', topic: 'home/hall/light', payload: 'on', qos: 1, note: 'Both subscribers receive it.' },
        { at: 3500, do: 'disconnect', client: 'keeper' },
        { at: 3500, do: 'disconnect', client: 'forgetter', note: 'Both go offline. The broker keeps the keeper\'s session; the forgetter\'s ends.' },
        { at: 5000, do: 'publish', client: 'sensor', topic: 'home/hall/light', payload: 'off', qos: 1, note: 'Published while both are away: the broker queues it for the keeper only.' },
        { at: 6000, do: 'publish', client: 'sensor', topic: 'home/hall/door', payload: 'open', qos: 1 },
        { at: 8000, do: 'connect', client: 'keeper' },
        { at: 8000, do: 'connect', client: 'forgetter', note: 'Both come back. The keeper is told "session present" and receives the two queued messages; the forgetter starts a new session and receives nothing.' },
      ],
    },
    tries: [
      {
        text: 'Disconnect the keeper, publish from the sensor, then connect the keeper: it receives what it missed.',
        check: (w) => w.did('publish').some((p) => p.offline.has('keeper')
          && w.deliveries(p).some((m) => m.client === 'keeper')),
      },
      {
        text: 'Do the same with the forgetter: it receives nothing of what was published while it was away.',
        check: (w) => w.did('publish').some((p) => p.offline.has('forgetter')
          && w.connects.some((c) => c.client === 'forgetter' && c.at > p.at && w.settled(c.at, 3000))
          && !w.deliveries(p).some((m) => m.client === 'forgetter')),
      },
    ],
  },
  {
    id: 'mqtt5',
    title: 'MQTT 5: shared subscriptions, expiry, request/response',
    text: [
      'Shared subscriptions share the work: clients that subscribe to `$share/GROUP/filter` form a group, and each message goes to one member of the group only, not to all of them.',
      'Message expiry: a publisher can say how long a message stays useful (Message Expiry Interval, in seconds). A broker that still holds it when that time is up, for example queued for an offline client, drops it instead of delivering it late.',
      'Request/response: a request carries a Response Topic, where the answer should go, and Correlation Data, which the answer carries back unchanged, so the asker knows which request an answer belongs to.',
    ],
    console: ['publish', 'connection', 'v5'],
    scenario: {
      title: 'MQTT 5: shared subscriptions, expiry, request/response',
      seed: 18,
      clients: [
        { id: 'dispatcher', role: 'hands out jobs' },
        { id: 'worker-1', role: 'in group "workers"', subscribe: [{ filter: '$share/workers/jobs/#', qos: 1 }] },
        { id: 'worker-2', role: 'in group "workers"', subscribe: [{ filter: '$share/workers/jobs/#', qos: 1 }] },
        { id: 'phone', role: 'persistent session', clean: false, sessionExpiry: 600, subscribe: [{ filter: 'news/#', qos: 1 }] },
        { id: 'clock', role: 'answers requests', reply: '10:42', subscribe: [{ filter: 'service/time', qos: 1 }] },
        { id: 'asker', role: 'asks the clock', subscribe: [{ filter: 'reply/asker', qos: 1 }] },
      ],
      steps: [
        { at: 1200, do: 'publish', client: 'dispatcher', topic: 'jobs/1', payload: 'job 1', qos: 1, note: 'Shared subscription: the two workers share `$share/workers/jobs/#`. Each job goes to one of them.' },
        { at: 1800, do: 'publish', client: 'dispatcher', topic: 'jobs/2', payload: 'job 2', qos: 1 },
        { at: 2400, do: 'publish', client: 'dispatcher', topic: 'jobs/3', payload: 'job 3', qos: 1 },
        { at: 3000, do: 'publish', client: 'dispatcher', topic: 'jobs/4', payload: 'job 4', qos: 1 },
        { at: 5500, do: 'disconnect', client: 'phone', note: 'Message expiry: the phone goes offline; its session keeps messages for it.' },
        { at: 6500, do: 'publish', client: 'dispatcher', topic: 'news/flash', payload: 'storm warning', qos: 1, expiry: 2, note: 'Two news items while the phone is away: one expires after 2 s, one after 10 minutes.' },
        { at: 6500, do: 'publish', client: 'dispatcher', topic: 'news/daily', payload: 'sunny', qos: 1, expiry: 600 },
        { at: 10000, do: 'connect', client: 'phone', note: 'The phone is back 3.5 s later: the broker drops the expired "storm warning" and delivers "sunny".' },
        { at: 13000, do: 'publish', client: 'asker', topic: 'service/time', payload: 'what time is it?', qos: 1, responseTopic: 'reply/asker', correlationData: 'question-1', note: 'Request/response: the asker sends a request with Response Topic `reply/asker` and Correlation Data "question-1". The clock answers there, with the same correlation data.' },
      ],
    },
    tries: [
      {
        text: 'Act as the dispatcher and publish two messages to `jobs/...`: each reaches one worker only.',
        check: (w) => {
          const jobs = w.did('publish').filter((p) => w.matches('jobs/#', p.topic)
            && w.deliveries(p).filter((m) => m.client.startsWith('worker-')).length === 1);
          return jobs.length >= 2;
        },
      },
      {
        text: 'Disconnect the phone, publish to `news/...` with an expiry of 2 s, wait 3 s, then connect the phone: the message expired.',
        check: (w) => w.did('publish').some((p) => p.expiry !== undefined && w.expired.some((x) => x.topic === p.topic && x.at > p.at)),
        // A real broker does not say it dropped a message: what shows is that a subscriber away
        // longer than the expiry came back and did not get it.
        room: (w) => w.did('publish').some((p) => p.expiry !== undefined && [...p.offline].some((c) => subscribedTo(w, c, p.topic)
          && w.connects.some((k) => k.client === c && k.at - p.at > p.expiry * 1000 && w.settled(k.at, 2000))
          && !w.deliveries(p).some((m) => m.client === c))),
      },
      {
        text: 'Act as the asker and publish to `service/time` with Response Topic `reply/asker` and some correlation data: the answer comes back with the same correlation data.',
        check: (w) => w.did('publish').some((p) => p.responseTopic && p.correlationData
          && w.messages.some((m) => m.topic === p.responseTopic && m.correlation === p.correlationData && m.at > p.at)),
      },
    ],
  },
];

/** Whether lesson client `c` holds a subscription matching `topic` (a lab on a room knows its clients' filters). */
function subscribedTo(w, c, topic) {
  const subs = w.lab.clients.get(c)?.subs;
  return !!subs && [...subs.keys()].some((f) => w.matches(f.replace(/^\$share\/[^/]+\//, ''), topic));
}

/** Whether a packet in `direction` was lost (breaking the connection) after the student's publish `p` and after a student's loseNext. */
function lostAfter(w, p, direction) {
  const armed = w.did('loseNext').some((l) => l.direction === direction && l.client === p.client && l.at <= p.at);
  return armed && w.drops.some((d) => d.client === p.client && d.direction === direction && d.why === 'lost' && d.at >= p.at);
}
