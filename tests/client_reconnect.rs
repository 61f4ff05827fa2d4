#![cfg(not(target_arch = "wasm32"))]
//! Losing the connection: reconnect backoff, session resumption, the offline
//! queue, server DISCONNECT and malformed input.

mod client_common;
use client_common::{hex, Harness};

use bytes::Bytes;
use mqtt_lab::client::{
    ClientError, ClientOptions, CloseReason, ConnectionState, Event, PublishOptions,
    ReconnectPolicy,
};
use mqtt_lab::codec::{
    Disconnect, Packet, Properties, ProtocolVersion, QoS, ReasonCode, SubscriptionOptions,
};

fn options(protocol: ProtocolVersion) -> ClientOptions {
    ClientOptions {
        reconnect: ReconnectPolicy {
            initial_delay_ms: 1_000,
            max_delay_ms: 4_000,
            jitter: 0.0,
            max_attempts: Some(4),
        },
        clean_start: false,
        ..ClientOptions::new(protocol, "c")
    }
}

/// Drives a reconnection after the harness's connection was lost: waits for
/// the deadline, opens the transport, and returns the events seen.
fn reopen(h: &mut Harness) -> Vec<Event> {
    let at = h.client.poll_timeout().expect("a reconnect deadline");
    h.timeout(at);
    let ev = h.events();
    assert_eq!(ev, vec![Event::OpenTransport]);
    h.client.handle_connected(h.now);
    ev
}

#[test]
fn reconnect_delays_double_up_to_the_cap_then_give_up() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.client.handle_closed(100, "socket closed (1006)");
    let ev = h.events();
    assert_eq!(
        ev,
        vec![
            Event::ConnectionLost {
                error: ClientError::TransportClosed {
                    reason: "socket closed (1006)".into()
                }
            },
            Event::Offline,
            Event::Reconnecting {
                attempt: 1,
                delay_ms: 1_000
            },
        ]
    );
    assert_eq!(h.client.poll_timeout(), Some(1_100));
    let mut delays = vec![1_000];
    for _ in 0..3 {
        reopen(&mut h);
        h.client.handle_closed(h.now, "refused");
        let ev = h.events();
        // Offline is reported once, not for each failed attempt.
        assert_eq!(ev.len(), 2, "{ev:?}");
        let Event::Reconnecting { delay_ms, .. } = ev[1] else {
            panic!("{ev:?}")
        };
        delays.push(delay_ms);
    }
    assert_eq!(delays, vec![1_000, 2_000, 4_000, 4_000]);
    reopen(&mut h);
    h.client.handle_closed(h.now, "refused");
    let ev = h.events();
    assert!(matches!(
        ev.last(),
        Some(Event::Closed {
            why: CloseReason::GaveUp { attempts: 4, .. }
        })
    ));
    assert_eq!(h.client.state(), ConnectionState::Idle);
    assert_eq!(h.client.poll_timeout(), None);
}

#[test]
fn reconnect_jitter_stays_within_bounds() {
    let mut o = options(ProtocolVersion::V5);
    o.reconnect.jitter = 0.5;
    o.reconnect.max_attempts = None;
    for seed in 0..20 {
        o.random_seed = seed;
        let mut h = Harness::connected(o.clone());
        h.client.handle_closed(0, "x");
        let ev = h.events();
        let Some(Event::Reconnecting { delay_ms, .. }) = ev.last() else {
            panic!("{ev:?}")
        };
        assert!((500..=1_000).contains(delay_ms), "seed {seed}: {delay_ms}");
    }
}

#[test]
fn a_successful_connack_resets_the_backoff() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.client.handle_closed(0, "x");
    h.events();
    reopen(&mut h);
    h.client.handle_closed(h.now, "x");
    h.events();
    reopen(&mut h);
    h.sent();
    h.connack(false, Properties::default());
    h.events();
    h.client.handle_closed(h.now, "x");
    assert!(h.events().contains(&Event::Reconnecting {
        attempt: 1,
        delay_ms: 1_000
    }));
}

#[test]
fn reconnect_zero_turns_reconnection_off() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.reconnect = ReconnectPolicy::off();
    let mut h = Harness::connected(o);
    h.client.handle_closed(0, "x");
    assert!(matches!(
        h.events().last(),
        Some(Event::Closed {
            why: CloseReason::Lost(_)
        })
    ));
}

#[test]
fn user_disconnect_sends_disconnect_and_does_not_reconnect() {
    let mut h = Harness::connected(options(ProtocolVersion::V5));
    h.client.disconnect(5, ReasonCode::DISCONNECT_WITH_WILL);
    h.expect_sent("E0 01 04");
    assert_eq!(
        h.events(),
        vec![
            Event::CloseTransport,
            Event::Offline,
            Event::Closed {
                why: CloseReason::Disconnected
            }
        ]
    );
    h.client.handle_closed(6, "closed");
    assert!(h.events().is_empty());
    assert_eq!(h.client.poll_timeout(), None);
}

#[test]
fn unacknowledged_messages_are_resent_with_dup_and_pubrel_after_reconnect() {
    // [MQTT-4.4.0-1] [MQTT-3.3.1-1]
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    let pl = || Bytes::from_static(b"hi");
    h.client
        .publish(0, "a", pl(), PublishOptions::qos(QoS::AtLeastOnce))
        .unwrap();
    h.client
        .publish(0, "b", pl(), PublishOptions::qos(QoS::ExactlyOnce))
        .unwrap();
    h.client
        .publish(0, "c", pl(), PublishOptions::qos(QoS::ExactlyOnce))
        .unwrap();
    h.sent();
    h.feed_raw(&hex("50 02 00 02"));
    h.expect_sent("62 02 00 02");
    h.client.handle_closed(10, "gone");
    h.events();
    reopen(&mut h);
    // The CONNECT resumes the session (Clean Session 0).
    let connect = h.sent_packets();
    assert!(matches!(&connect[0], Packet::Connect(c) if !c.clean_start));
    h.connack(true, Properties::default());
    h.expect_sent(
        "3A 07 00 01 61 00 01 68 69 \
         62 02 00 02 \
         3C 07 00 01 63 00 03 68 69",
    );
}

#[test]
fn without_a_session_messages_go_out_afresh_and_subscriptions_are_renewed() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    let opts = SubscriptionOptions {
        qos: QoS::AtLeastOnce,
        ..Default::default()
    };
    h.client
        .subscribe(0, vec![("s/#".into(), opts)], Properties::default())
        .unwrap();
    h.feed_raw(&hex("90 03 00 01 01"));
    h.client
        .publish(
            0,
            "a",
            Bytes::from_static(b"hi"),
            PublishOptions::qos(QoS::AtLeastOnce),
        )
        .unwrap();
    h.sent();
    h.events();
    h.client.handle_closed(10, "gone");
    h.events();
    reopen(&mut h);
    h.sent();
    h.connack(false, Properties::default());
    // The message without DUP, then SUBSCRIBE with a fresh identifier.
    h.expect_sent("32 07 00 01 61 00 02 68 69 82 08 00 03 00 03 73 2F 23 01");
    // The re-subscription's SUBACK is the client's own: no event for it.
    h.feed_raw(&hex("90 03 00 03 01"));
    assert!(!h
        .events()
        .iter()
        .any(|e| matches!(e, Event::SubscribeComplete { .. })));
}

#[test]
fn offline_queue_is_bounded_and_flushed_after_connack() {
    let mut o = options(ProtocolVersion::V3_1_1);
    o.offline_queue_limit = 2;
    let mut client = mqtt_lab::client::Client::new(o);
    let p = |c: &mut mqtt_lab::client::Client| {
        c.publish(
            0,
            "q",
            Bytes::from_static(b"m"),
            PublishOptions::qos(QoS::AtLeastOnce),
        )
    };
    p(&mut client).unwrap();
    p(&mut client).unwrap();
    assert_eq!(
        p(&mut client),
        Err(ClientError::OfflineQueueFull { limit: 2 })
    );
    assert_eq!(
        ClientError::OfflineQueueFull { limit: 2 }.to_string(),
        "the client is offline and its queue already holds 2 message(s)"
    );
    client.connect(0);
    client.handle_connected(0);
    let mut h = Harness {
        client,
        version: ProtocolVersion::V3_1_1,
        now: 0,
    };
    h.sent();
    h.connack(false, Properties::default());
    h.expect_sent("32 06 00 01 71 00 01 6D 32 06 00 01 71 00 02 6D");
}

#[test]
fn server_disconnect_reports_reason_code_and_reason_string() {
    let mut h = Harness::connected(options(ProtocolVersion::V5));
    let mut d = Disconnect {
        reason_code: ReasonCode::SERVER_SHUTTING_DOWN,
        properties: Properties::default(),
    };
    d.properties.reason_string = Some("maintenance".into());
    h.feed(&Packet::Disconnect(d));
    let ev = h.events();
    assert_eq!(ev[0], Event::CloseTransport);
    let Event::ConnectionLost { error } = &ev[1] else {
        panic!("{ev:?}")
    };
    assert_eq!(
        error.to_string(),
        "the server closed the connection: 0x8B Server shutting down (maintenance)"
    );
    assert!(matches!(ev.last(), Some(Event::Reconnecting { .. })));
    assert_eq!(h.sent(), b"", "no DISCONNECT is sent back");
}

#[test]
fn session_taken_over_is_not_retried() {
    // Two tabs with one client id would otherwise take the session from each other forever.
    let mut h = Harness::connected(options(ProtocolVersion::V5));
    h.feed_raw(&hex("E0 01 8E"));
    assert!(matches!(
        h.events().last(),
        Some(Event::Closed {
            why: CloseReason::Fatal(_)
        })
    ));
}

#[test]
fn malformed_bytes_from_the_server_get_disconnect_0x81_in_v5() {
    // [MQTT-4.13.1-1] (5.0)
    let mut h = Harness::connected(options(ProtocolVersion::V5));
    h.feed_raw(&hex("00 00"));
    h.expect_sent("E0 01 81");
    let ev = h.events();
    assert_eq!(ev[0], Event::CloseTransport);
    let Event::ConnectionLost { error } = &ev[1] else {
        panic!("{ev:?}")
    };
    assert!(matches!(error, ClientError::MalformedPacket(_)));
    assert!(error
        .to_string()
        .starts_with("the server sent a malformed packet: "));
    // Bytes after the error are ignored.
    h.feed_raw(&hex("D0 00"));
    assert!(h.events().is_empty());
}

#[test]
fn malformed_bytes_in_v311_close_without_disconnect() {
    // [MQTT-4.8.0-1]: 3.1.1 has no reason codes; DISCONNECT would suppress the Will.
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.feed_raw(&hex("62 02 00")); // PUBREL cut short is fine...
    h.feed_raw(&hex("01 F0 00")); // ...then a reserved packet type 15.
    assert_eq!(h.sent(), hex("70 02 00 01"));
    assert_eq!(h.events()[0], Event::CloseTransport);
}

#[test]
fn incoming_qos2_state_survives_a_resumed_session() {
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    let p = Packet::Publish(mqtt_lab::codec::Publish {
        qos: QoS::ExactlyOnce,
        topic: "x".into(),
        packet_id: 5,
        ..Default::default()
    });
    h.feed(&p);
    h.sent();
    assert_eq!(h.events().len(), 1);
    h.client.handle_closed(1, "gone");
    h.events();
    reopen(&mut h);
    h.sent();
    h.connack(true, Properties::default());
    h.events();
    if let Packet::Publish(mut p) = p {
        p.dup = true;
        h.feed(&Packet::Publish(p));
    }
    h.expect_sent("50 02 00 05");
    assert!(h.events().is_empty(), "not delivered twice");
}

// The QoS 2 exchanges of a broker restart, byte for byte, as seen by the browser
// client against mosquitto (tests/e2e/client_broker.test.mjs): the PUBLISH of
// "37" on `restart/q2` arrived with packet identifier 76 (0x4C).
const PUBLISH_76: &str = "34 10 00 0A 72 65 73 74 61 72 74 2F 71 32 00 4C 33 37";
const PUBLISH_76_DUP: &str = "3C 10 00 0A 72 65 73 74 61 72 74 2F 71 32 00 4C 33 37";
// 5.0: the same, with an empty property list after the packet identifier.
const PUBLISH_76_V5: &str = "34 11 00 0A 72 65 73 74 61 72 74 2F 71 32 00 4C 00 33 37";
const PUBLISH_76_DUP_V5: &str = "3C 11 00 0A 72 65 73 74 61 72 74 2F 71 32 00 4C 00 33 37";

fn publish_76(version: ProtocolVersion, dup: bool) -> Vec<u8> {
    hex(match (version, dup) {
        (ProtocolVersion::V5, false) => PUBLISH_76_V5,
        (ProtocolVersion::V5, true) => PUBLISH_76_DUP_V5,
        (_, false) => PUBLISH_76,
        (_, true) => PUBLISH_76_DUP,
    })
}

fn payloads(events: &[Event]) -> Vec<(String, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some((String::from_utf8_lossy(&m.payload).into_owned(), m.dup)),
            _ => None,
        })
        .collect()
}

/// Receives PUBLISH 76 and its PUBREL: the client sends PUBREC, then PUBCOMP.
fn complete_incoming_76(h: &mut Harness) {
    h.feed_raw(&publish_76(h.version, false));
    h.expect_sent("50 02 00 4C");
    assert_eq!(payloads(&h.events()), vec![("37".to_string(), false)]);
    h.feed_raw(&hex("62 02 00 4C"));
    h.expect_sent("70 02 00 4C");
    assert!(h.events().is_empty());
}

#[test]
fn a_pubrel_resent_after_a_restart_is_answered_with_pubcomp_and_nothing_delivered() {
    // The broker stopped before it read our PUBCOMP: it still waits for one, and
    // on the resumed session re-sends PUBREL (§4.4). The message was delivered
    // once, at its PUBLISH; answer PUBCOMP again [MQTT-4.3.3-2] (5.0
    // [MQTT-4.3.3-11]) and deliver nothing.
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let mut h = Harness::connected(options(version));
        complete_incoming_76(&mut h);
        h.client.handle_closed(1, "gone");
        h.events();
        reopen(&mut h);
        h.sent();
        h.connack(true, Properties::default());
        h.events();
        h.expect_sent("");
        h.feed_raw(&hex("62 02 00 4C"));
        if version == ProtocolVersion::V5 {
            // 5.0: 0x92 Packet Identifier not found, "not an error during recovery".
            h.expect_sent("70 03 00 4C 92");
        } else {
            h.expect_sent("70 02 00 4C");
        }
        assert!(payloads(&h.events()).is_empty(), "{version:?}");
    }
}

#[test]
fn a_publish_after_pubcomp_is_a_new_message_even_with_dup() {
    // mosquitto 2.0.11 with persistence and max_inflight_messages 0, restarted
    // while its PUBREL 76 waited for our PUBCOMP, re-sent the PUBLISH itself (DUP
    // set) on the resumed session, which a sender must not do once it has sent
    // PUBREL (§4.3.3). The client had already sent PUBCOMP, after which a PUBLISH
    // with that identifier is a new publication [MQTT-4.3.3-2] (5.0
    // [MQTT-4.3.3-12]): it is delivered and PUBREC'd. Nothing in the packet tells
    // it from a new message that reuses the identifier, as the server may.
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    complete_incoming_76(&mut h);
    h.client.handle_closed(1, "gone");
    h.events();
    reopen(&mut h);
    h.sent();
    h.connack(true, Properties::default());
    h.events();
    h.feed_raw(&hex(PUBLISH_76_DUP));
    h.expect_sent("50 02 00 4C");
    assert_eq!(payloads(&h.events()), vec![("37".to_string(), true)]);
}

#[test]
fn a_dup_publish_before_pubrel_is_pubrecd_and_not_delivered_again() {
    // The broker stopped after our PUBREC and before its PUBREL: the resumed
    // session re-sends the PUBLISH with DUP, which must not be delivered twice
    // [MQTT-4.3.3-2] (5.0 [MQTT-4.3.3-10]); the PUBREL that follows completes it.
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let mut h = Harness::connected(options(version));
        h.feed_raw(&publish_76(version, false));
        h.expect_sent("50 02 00 4C");
        assert_eq!(payloads(&h.events()), vec![("37".to_string(), false)]);
        h.client.handle_closed(1, "gone");
        h.events();
        reopen(&mut h);
        h.sent();
        h.connack(true, Properties::default());
        h.events();
        h.feed_raw(&publish_76(version, true));
        h.expect_sent("50 02 00 4C");
        assert!(payloads(&h.events()).is_empty(), "{version:?}");
        h.feed_raw(&hex("62 02 00 4C"));
        h.expect_sent("70 02 00 4C");
        assert!(payloads(&h.events()).is_empty(), "{version:?}");
    }
}

#[test]
fn incoming_qos2_state_is_dropped_when_the_session_is_not_present() {
    // [MQTT-3.2.2-5] (5.0 [MQTT-3.2.2-6]): no session on the server, so identifier
    // 76 awaits no PUBREL; a PUBLISH with it is a new message of the new session.
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    h.feed_raw(&hex(PUBLISH_76));
    h.expect_sent("50 02 00 4C");
    assert_eq!(payloads(&h.events()), vec![("37".to_string(), false)]);
    h.client.handle_closed(1, "gone");
    h.events();
    reopen(&mut h);
    h.sent();
    h.connack(false, Properties::default());
    h.events();
    h.expect_sent("");
    h.feed_raw(&hex(PUBLISH_76));
    h.expect_sent("50 02 00 4C");
    assert_eq!(payloads(&h.events()), vec![("37".to_string(), false)]);
}

#[test]
fn an_outgoing_qos2_message_pubrecd_before_the_session_was_lost_is_complete() {
    // PUBREC came, PUBREL went out, then the connection and the server's session
    // were lost. The server took the message at PUBREC; neither PUBLISH nor
    // PUBREL is sent again to a session that does not know the identifier.
    let mut h = Harness::connected(options(ProtocolVersion::V3_1_1));
    let t = h
        .client
        .publish(
            0,
            "a",
            Bytes::from_static(b"hi"),
            PublishOptions::qos(QoS::ExactlyOnce),
        )
        .unwrap();
    h.expect_sent("34 07 00 01 61 00 01 68 69");
    h.feed_raw(&hex("50 02 00 01"));
    h.expect_sent("62 02 00 01");
    h.client.handle_closed(1, "gone");
    h.events();
    reopen(&mut h);
    h.sent();
    h.connack(false, Properties::default());
    let ev = h.events();
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::PublishComplete { token, result: Ok(ReasonCode::SUCCESS) } if *token == t
    )));
    h.expect_sent("");
}
