#![cfg(not(target_arch = "wasm32"))]
//! Model-based test: random connects, subscribes, publishes, disconnects,
//! crashes and reconnects of persistent clients (3.1.1 and 5.0) over one
//! broker. Every QoS 1 message a publisher saw completed reaches every
//! subscriber that was subscribed before it was published at least once, and
//! every QoS 2 message exactly once ([MQTT-4.3.2-1], [MQTT-4.3.3-1]; sessions
//! [MQTT-4.4.0-1]).

mod broker_common;
use broker_common::*;
use mqtt_lab::client::{ConnectionState, Event, PublishOptions};
use mqtt_lab::codec::{Properties, QoS, ReasonCode};
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
enum Step {
    Connect(usize),
    Subscribe(usize),
    Publish(usize, bool),
    Disconnect(usize),
    Crash(usize),
    Wait(u64),
}

const N: usize = 4;

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..N).prop_map(Step::Connect),
        2 => (0..N).prop_map(Step::Subscribe),
        5 => ((0..N), any::<bool>()).prop_map(|(i, q2)| Step::Publish(i, q2)),
        1 => (0..N).prop_map(Step::Disconnect),
        2 => (0..N).prop_map(Step::Crash),
        1 => (1..3_000u64).prop_map(Step::Wait),
    ]
}

struct Model {
    net: Net,
    /// Subscribed (SUBACK seen) per client.
    subscribed: [bool; N],
    /// Payload → (QoS 2?, subscribers subscribed when it was published).
    sent: BTreeMap<String, (bool, Vec<usize>)>,
    /// Token → payload, per publisher.
    tokens: BTreeMap<(usize, u64), String>,
    completed: Vec<String>,
    next: u32,
}

impl Model {
    fn new() -> Self {
        let mut net = Net::default_net();
        for i in 0..N {
            let v = if i % 2 == 0 { V5 } else { V3 };
            let mut o = opts(v, &format!("c{i}"));
            o.clean_start = false;
            o.keep_alive = 0;
            if v == V5 {
                o.properties.session_expiry_interval = Some(u32::MAX);
            }
            let client = mqtt_lab::client::Client::new(o);
            net.peers.push(Peer {
                client,
                conn: None,
                messages: Vec::new(),
                events: Vec::new(),
            });
        }
        Model {
            net,
            subscribed: [false; N],
            sent: BTreeMap::new(),
            tokens: BTreeMap::new(),
            completed: Vec::new(),
            next: 0,
        }
    }

    fn idle(&self, i: usize) -> bool {
        self.net.peers[i].client.state() == ConnectionState::Idle
    }

    fn collect(&mut self) {
        for i in 0..N {
            for ev in self.net.peers[i].events.drain(..) {
                match ev {
                    Event::SubscribeComplete { reason_codes, .. }
                        if reason_codes.iter().all(|c| !c.is_error()) =>
                    {
                        self.subscribed[i] = true;
                    }
                    Event::PublishComplete {
                        token,
                        result: Ok(code),
                    } if code == ReasonCode::SUCCESS
                        || code == ReasonCode::NO_MATCHING_SUBSCRIBERS =>
                    {
                        if let Some(p) = self.tokens.remove(&(i, token.0)) {
                            self.completed.push(p);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn apply(&mut self, s: &Step) {
        let now = self.net.now;
        match *s {
            Step::Connect(i) if self.idle(i) => self.net.peers[i].client.connect(now),
            Step::Subscribe(i) if self.net.connected(i) && !self.subscribed[i] => {
                let f = vec![("t".to_string(), sub(QoS::ExactlyOnce))];
                let _ = self.net.peers[i]
                    .client
                    .subscribe(now, f, Properties::default());
            }
            Step::Publish(i, q2) if self.net.connected(i) => {
                self.next += 1;
                let payload = format!("m{}", self.next);
                let qos = if q2 {
                    QoS::ExactlyOnce
                } else {
                    QoS::AtLeastOnce
                };
                let o = PublishOptions {
                    qos,
                    ..PublishOptions::default()
                };
                let subs: Vec<usize> = (0..N).filter(|&j| self.subscribed[j]).collect();
                if let Ok(t) =
                    self.net.peers[i]
                        .client
                        .publish(now, "t", payload.clone().into_bytes(), o)
                {
                    self.tokens.insert((i, t.0), payload.clone());
                    self.sent.insert(payload, (q2, subs));
                }
            }
            Step::Disconnect(i) if self.net.connected(i) => {
                self.net.peers[i]
                    .client
                    .disconnect(now, ReasonCode::NORMAL_DISCONNECTION);
            }
            Step::Crash(i) => self.net.crash(i),
            Step::Wait(ms) => self.net.advance(ms),
            _ => {}
        }
        self.net.run();
        self.collect();
    }

    /// Everyone reconnects and the network settles.
    fn settle(&mut self) {
        for _ in 0..4 {
            for i in 0..N {
                if self.idle(i) {
                    let now = self.net.now;
                    self.net.peers[i].client.connect(now);
                }
            }
            self.net.run();
            self.net.advance(1_000);
            self.collect();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn persistent_sessions_never_lose_qos1_and_deliver_qos2_exactly_once(
        steps in proptest::collection::vec(step(), 1..80)
    ) {
        let mut m = Model::new();
        for s in &steps {
            m.apply(s);
        }
        m.settle();
        for i in 0..N {
            prop_assert!(m.net.connected(i), "client {i} reconnected");
        }
        let mut got: Vec<BTreeMap<String, usize>> = vec![BTreeMap::new(); N];
        for (i, p) in m.net.peers.iter().enumerate() {
            for msg in &p.messages {
                *got[i].entry(String::from_utf8_lossy(&msg.payload).into_owned()).or_default() += 1;
            }
        }
        for payload in &m.completed {
            let (q2, subs) = &m.sent[payload];
            for &j in subs {
                let n = got[j].get(payload).copied().unwrap_or(0);
                if *q2 {
                    prop_assert_eq!(n, 1, "QoS 2 {} to c{}", payload, j);
                } else {
                    prop_assert!(n >= 1, "QoS 1 {} lost for c{}", payload, j);
                }
            }
        }
        // Nothing is delivered twice at QoS 2, completed or not.
        for g in &got {
            for (payload, n) in g {
                if m.sent.get(payload).is_some_and(|(q2, _)| *q2) {
                    prop_assert!(*n <= 1, "{} delivered {} times", payload, n);
                }
            }
        }
    }
}
