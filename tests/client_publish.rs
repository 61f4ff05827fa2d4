#![cfg(not(target_arch = "wasm32"))]
//! Publish and subscribe flows in both directions, the Receive Maximum window,
//! Topic Aliases and the Maximum Packet Size.

mod client_common;
use client_common::{hex, Harness};

use bytes::Bytes;
use mqtt_lab::client::{ClientError, ClientOptions, Event, PublishOptions};
use mqtt_lab::codec::{
    Packet, Properties, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode, SubscriptionOptions,
};

fn v311() -> Harness {
    Harness::connected(ClientOptions::new(ProtocolVersion::V3_1_1, "c"))
}

fn v5() -> Harness {
    Harness::connected(ClientOptions::new(ProtocolVersion::V5, "c"))
}

fn publish(h: &mut Harness, topic: &str, qos: QoS) -> mqtt_lab::client::Token {
    h.client
        .publish(
            h.now,
            topic,
            Bytes::from_static(b"hi"),
            PublishOptions::qos(qos),
        )
        .expect("publish accepted")
}

fn server_publish(topic: &str, qos: QoS, id: u16, dup: bool) -> Packet {
    Packet::Publish(Publish {
        dup,
        qos,
        topic: topic.into(),
        packet_id: id,
        payload: Bytes::from_static(b"yo"),
        ..Publish::default()
    })
}

fn messages(ev: &[Event]) -> Vec<String> {
    ev.iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some(m.topic.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn qos0_publish_is_written_and_completes_at_once() {
    let mut h = v311();
    let t = publish(&mut h, "a/b", QoS::AtMostOnce);
    h.expect_sent("30 07 00 03 61 2F 62 68 69");
    assert_eq!(
        h.events(),
        vec![Event::PublishComplete {
            token: t,
            result: Ok(ReasonCode::SUCCESS)
        }]
    );
}

#[test]
fn qos1_publish_completes_on_puback_v311() {
    // [MQTT-4.3.2-1]
    let mut h = v311();
    let t = publish(&mut h, "a/b", QoS::AtLeastOnce);
    h.expect_sent("32 09 00 03 61 2F 62 00 01 68 69");
    assert!(h.events().is_empty());
    h.feed_raw(&hex("40 02 00 01"));
    assert_eq!(
        h.events(),
        vec![Event::PublishComplete {
            token: t,
            result: Ok(ReasonCode::SUCCESS)
        }]
    );
    assert_eq!(h.client.inflight_messages(), 0);
}

#[test]
fn qos2_publish_sends_pubrel_after_pubrec_and_completes_on_pubcomp_v5() {
    // [MQTT-4.3.3-1] [MQTT-4.3.3-3]
    let mut h = v5();
    let t = publish(&mut h, "a/b", QoS::ExactlyOnce);
    h.expect_sent("34 0A 00 03 61 2F 62 00 01 00 68 69");
    h.feed_raw(&hex("50 02 00 01"));
    h.expect_sent("62 02 00 01");
    assert!(h.events().is_empty());
    h.feed_raw(&hex("70 02 00 01"));
    assert_eq!(
        h.events(),
        vec![Event::PublishComplete {
            token: t,
            result: Ok(ReasonCode::SUCCESS)
        }]
    );
}

#[test]
fn puback_with_failure_code_is_an_error_result() {
    let mut h = v5();
    let t = publish(&mut h, "a/b", QoS::AtLeastOnce);
    h.sent();
    let mut ack = PubResponse::new(1);
    ack.reason_code = ReasonCode::NOT_AUTHORIZED;
    ack.properties.reason_string = Some("acl".into());
    h.feed(&Packet::PubAck(ack));
    let ev = h.events();
    let Event::PublishComplete {
        token,
        result: Err(e),
    } = &ev[0]
    else {
        panic!("{ev:?}")
    };
    assert_eq!(*token, t);
    assert_eq!(
        e.to_string(),
        "the server refused the message: 0x87 Not authorized (acl)"
    );
}

#[test]
fn qos1_incoming_is_delivered_and_acknowledged_v311() {
    // [MQTT-4.3.2-2]
    let mut h = v311();
    h.feed(&server_publish("x", QoS::AtLeastOnce, 7, false));
    h.expect_sent("40 02 00 07");
    let ev = h.events();
    let Event::Message(m) = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(
        (m.topic.as_str(), &m.payload[..], m.qos),
        ("x", &b"yo"[..], QoS::AtLeastOnce)
    );
}

#[test]
fn qos2_incoming_is_delivered_exactly_once_despite_dup_resend() {
    // [MQTT-4.3.3-2] (3.1.1) / [MQTT-4.3.3-9] (5.0)
    for mut h in [v311(), v5()] {
        h.feed(&server_publish("x", QoS::ExactlyOnce, 9, false));
        h.expect_sent("50 02 00 09");
        assert_eq!(messages(&h.events()), vec!["x"]);
        // The server re-sends before seeing PUBREC: answered, not delivered again.
        h.feed(&server_publish("x", QoS::ExactlyOnce, 9, true));
        h.expect_sent("50 02 00 09");
        assert!(messages(&h.events()).is_empty());
        h.feed_raw(&hex("62 02 00 09"));
        h.expect_sent("70 02 00 09");
        // After PUBREL the identifier is free: a new message with it is new.
        h.feed(&server_publish("y", QoS::ExactlyOnce, 9, false));
        assert_eq!(messages(&h.events()), vec!["y"]);
    }
}

#[test]
fn incoming_qos2_beyond_our_receive_maximum_is_a_protocol_error() {
    // [MQTT-3.3.4-9]
    let mut o = ClientOptions::new(ProtocolVersion::V5, "c");
    o.properties.receive_maximum = Some(1);
    let mut h = Harness::connected(o);
    h.feed(&server_publish("x", QoS::ExactlyOnce, 1, false));
    h.expect_sent("50 02 00 01");
    h.feed(&server_publish("x", QoS::ExactlyOnce, 2, false));
    h.expect_sent("E0 01 93");
}

#[test]
fn subscribe_and_unsubscribe_with_acks_v311() {
    let mut h = v311();
    let opts = SubscriptionOptions {
        qos: QoS::AtLeastOnce,
        ..Default::default()
    };
    let t = h
        .client
        .subscribe(0, vec![("a/+".into(), opts)], Properties::default())
        .unwrap();
    h.expect_sent("82 08 00 01 00 03 61 2F 2B 01");
    h.feed_raw(&hex("90 03 00 01 01"));
    assert_eq!(
        h.events(),
        vec![Event::SubscribeComplete {
            token: t,
            reason_codes: vec![ReasonCode::GRANTED_QOS_1]
        }]
    );
    let u = h
        .client
        .unsubscribe(0, vec!["a/+".into()], Properties::default())
        .unwrap();
    h.expect_sent("A2 07 00 02 00 03 61 2F 2B");
    h.feed_raw(&hex("B0 02 00 02"));
    assert_eq!(
        h.events(),
        vec![Event::UnsubscribeComplete {
            token: u,
            reason_codes: vec![ReasonCode::SUCCESS]
        }]
    );
}

#[test]
fn subscribe_v5_bytes_and_suback_failure_codes() {
    let mut h = v5();
    let opts = SubscriptionOptions {
        qos: QoS::AtLeastOnce,
        no_local: true,
        ..Default::default()
    };
    let t = h
        .client
        .subscribe(
            0,
            vec![("a/+".into(), opts), ("#".into(), opts)],
            Properties::default(),
        )
        .unwrap();
    h.expect_sent("82 0D 00 01 00 00 03 61 2F 2B 05 00 01 23 05");
    h.feed_raw(&hex("90 05 00 01 00 01 87"));
    assert_eq!(
        h.events(),
        vec![Event::SubscribeComplete {
            token: t,
            reason_codes: vec![ReasonCode::GRANTED_QOS_1, ReasonCode::NOT_AUTHORIZED]
        }]
    );
}

#[test]
fn invalid_topics_and_filters_are_refused_before_sending() {
    // [MQTT-4.7.3-1] [MQTT-3.3.2-2] [MQTT-4.7.1-2] [MQTT-4.7.1-3]
    let mut h = v5();
    for topic in ["", "a/+", "a/#"] {
        let r = h
            .client
            .publish(0, topic, Bytes::new(), PublishOptions::default());
        assert!(
            matches!(r, Err(ClientError::InvalidTopic { .. })),
            "{topic:?}"
        );
    }
    for filter in ["", "a/#/b", "a+", "a/b#"] {
        let r = h.client.subscribe(
            0,
            vec![(filter.into(), SubscriptionOptions::default())],
            Properties::default(),
        );
        assert!(
            matches!(r, Err(ClientError::InvalidFilter { .. })),
            "{filter:?}"
        );
    }
    assert_eq!(h.sent(), b"");
}

#[test]
fn third_publish_waits_when_server_receive_maximum_is_2() {
    // [MQTT-3.3.4-7] [MQTT-4.9.0-2]
    let mut h = Harness::connected_with(
        ClientOptions::new(ProtocolVersion::V5, "c"),
        Properties {
            receive_maximum: Some(2),
            ..Properties::default()
        },
    );
    for _ in 0..3 {
        publish(&mut h, "t", QoS::AtLeastOnce);
    }
    let sent = h.sent_packets();
    assert_eq!(sent.len(), 2);
    assert_eq!(h.client.queued_messages(), 1);
    // QoS 0 is not limited by the window.
    publish(&mut h, "t", QoS::AtMostOnce);
    assert_eq!(
        h.sent_packets().len(),
        0,
        "QoS 0 queued behind waiting QoS 1 keeps order"
    );
    h.feed_raw(&hex("40 02 00 01"));
    let sent = h.sent_packets();
    assert_eq!(sent.len(), 2);
    assert!(matches!(&sent[0], Packet::Publish(p) if p.packet_id == 3));
    assert!(matches!(&sent[1], Packet::Publish(p) if p.qos == QoS::AtMostOnce));
}

#[test]
fn topic_alias_out_second_publish_has_empty_topic_and_alias() {
    // [MQTT-3.3.2-12] [MQTT-3.2.2-17]
    let mut h = Harness::connected_with(
        ClientOptions::new(ProtocolVersion::V5, "c"),
        Properties {
            topic_alias_maximum: Some(5),
            ..Properties::default()
        },
    );
    publish(&mut h, "a/b", QoS::AtMostOnce);
    h.expect_sent("30 0B 00 03 61 2F 62 03 23 00 01 68 69");
    publish(&mut h, "a/b", QoS::AtMostOnce);
    h.expect_sent("30 08 00 00 03 23 00 01 68 69");
}

#[test]
fn no_topic_alias_when_the_server_allows_none() {
    let mut h = v5();
    publish(&mut h, "a/b", QoS::AtMostOnce);
    publish(&mut h, "a/b", QoS::AtMostOnce);
    h.expect_sent("30 08 00 03 61 2F 62 00 68 69 30 08 00 03 61 2F 62 00 68 69");
}

#[test]
fn topic_alias_in_is_resolved() {
    let mut o = ClientOptions::new(ProtocolVersion::V5, "c");
    o.properties.topic_alias_maximum = Some(2);
    let mut h = Harness::connected(o);
    let mut p = Publish {
        topic: "x/y".into(),
        payload: Bytes::from_static(b"1"),
        ..Publish::default()
    };
    p.properties.topic_alias = Some(2);
    h.feed(&Packet::Publish(p.clone()));
    p.topic.clear();
    h.feed(&Packet::Publish(p));
    assert_eq!(messages(&h.events()), vec!["x/y", "x/y"]);
}

#[test]
fn topic_alias_above_our_maximum_gets_disconnect_0x94() {
    // [MQTT-3.3.2-9]
    let mut o = ClientOptions::new(ProtocolVersion::V5, "c");
    o.properties.topic_alias_maximum = Some(2);
    let mut h = Harness::connected(o);
    let mut p = Publish {
        topic: "x".into(),
        ..Publish::default()
    };
    p.properties.topic_alias = Some(3);
    h.feed(&Packet::Publish(p));
    h.expect_sent("E0 01 94");
    let ev = h.events();
    assert_eq!(ev[0], Event::CloseTransport);
    assert!(matches!(
        &ev[1],
        Event::ConnectionLost { error: ClientError::ProtocolViolation { code, .. } }
            if *code == ReasonCode::TOPIC_ALIAS_INVALID
    ));
}

#[test]
fn publish_larger_than_server_maximum_packet_size_is_refused() {
    // [MQTT-3.1.2-24]
    let mut h = Harness::connected_with(
        ClientOptions::new(ProtocolVersion::V5, "c"),
        Properties {
            maximum_packet_size: Some(20),
            ..Properties::default()
        },
    );
    let r = h
        .client
        .publish(0, "t", vec![0u8; 100], PublishOptions::default());
    assert_eq!(r, Err(ClientError::PacketTooLarge { size: 106, max: 20 }));
    assert_eq!(h.sent(), b"");
}

#[test]
fn incoming_packet_larger_than_our_maximum_gets_disconnect_0x95() {
    let mut o = ClientOptions::new(ProtocolVersion::V5, "c");
    o.properties.maximum_packet_size = Some(16);
    let mut h = Harness::connected(o);
    let mut p = server_publish("t", QoS::AtMostOnce, 0, false);
    if let Packet::Publish(p) = &mut p {
        p.payload = Bytes::from(vec![1u8; 64]);
    }
    h.feed(&p);
    h.expect_sent("E0 01 95");
}

#[test]
fn qos_above_server_maximum_qos_is_refused() {
    // [MQTT-3.2.2-11]
    let mut h = Harness::connected_with(
        ClientOptions::new(ProtocolVersion::V5, "c"),
        Properties {
            maximum_qos: Some(1),
            ..Properties::default()
        },
    );
    let r = h
        .client
        .publish(0, "t", Bytes::new(), PublishOptions::qos(QoS::ExactlyOnce));
    assert!(matches!(r, Err(ClientError::QosNotSupported { .. })));
}

#[test]
fn several_packets_in_one_chunk_and_one_packet_split_across_chunks() {
    let mut h = v311();
    let mut bytes = Packet::PingResp.to_bytes(ProtocolVersion::V3_1_1).unwrap();
    bytes.extend(
        server_publish("a", QoS::AtMostOnce, 0, false)
            .to_bytes(ProtocolVersion::V3_1_1)
            .unwrap(),
    );
    bytes.extend(
        server_publish("b", QoS::AtMostOnce, 0, false)
            .to_bytes(ProtocolVersion::V3_1_1)
            .unwrap(),
    );
    for split in 0..bytes.len() {
        let mut h2 = v311();
        h2.feed_raw(&bytes[..split]);
        h2.feed_raw(&bytes[split..]);
        assert_eq!(messages(&h2.events()), vec!["a", "b"], "split at {split}");
    }
    h.feed_raw(&bytes);
    assert_eq!(messages(&h.events()), vec!["a", "b"]);
}

#[test]
fn user_properties_and_request_response_fields_pass_through() {
    let mut h = v5();
    let mut props = Properties::default();
    props.user_properties.push(("k".into(), "v".into()));
    props.response_topic = Some("r".into());
    props.correlation_data = Some(Bytes::from_static(b"id"));
    props.message_expiry_interval = Some(9);
    h.client
        .publish(
            0,
            "t",
            Bytes::new(),
            PublishOptions {
                properties: props.clone(),
                ..PublishOptions::default()
            },
        )
        .unwrap();
    let sent = h.sent_packets();
    assert!(matches!(&sent[0], Packet::Publish(p) if p.properties == props));
    let mut incoming = Publish {
        topic: "t".into(),
        properties: props.clone(),
        ..Publish::default()
    };
    incoming.properties.subscription_identifiers = vec![4];
    h.feed(&Packet::Publish(incoming));
    let ev = h.events();
    let Event::Message(m) = ev.last().unwrap() else {
        panic!()
    };
    assert_eq!(m.properties.user_properties, props.user_properties);
    assert_eq!(m.properties.subscription_identifiers, vec![4]);
    assert_eq!(m.properties.correlation_data, props.correlation_data);
}

#[test]
fn tracing_reports_packets_sent_and_received_with_their_bytes() {
    let mut o = ClientOptions::new(ProtocolVersion::V3_1_1, "c");
    o.trace_packets = true;
    let mut h = Harness::open(o);
    let ev = h.events();
    assert!(
        matches!(&ev[0], Event::PacketSent { packet, .. } if matches!(**packet, Packet::Connect(_)))
    );
    h.sent();
    h.feed_raw(&hex("20 02 00 00"));
    let ev = h.events();
    assert!(
        matches!(&ev[0], Event::PacketReceived { bytes, .. } if bytes[..] == hex("20 02 00 00")[..])
    );
}

#[test]
fn failed_pubrec_ends_the_exchange_and_frees_a_window_slot() {
    let mut h = Harness::connected_with(
        ClientOptions::new(ProtocolVersion::V5, "c"),
        Properties {
            receive_maximum: Some(1),
            ..Properties::default()
        },
    );
    let t1 = publish(&mut h, "t", QoS::ExactlyOnce);
    publish(&mut h, "t", QoS::ExactlyOnce);
    assert_eq!(h.sent_packets().len(), 1);
    h.feed_raw(&hex("50 03 00 01 97"));
    let ev = h.events();
    assert!(matches!(
        &ev[0],
        Event::PublishComplete { token, result: Err(ClientError::PublishRejected { code, .. }) }
            if *token == t1 && *code == ReasonCode::QUOTA_EXCEEDED
    ));
    // No PUBREL for a failed PUBREC; the waiting message goes out.
    let sent = h.sent_packets();
    assert_eq!(sent.len(), 1);
    assert!(matches!(&sent[0], Packet::Publish(p) if p.packet_id == 2));
}

#[test]
fn queued_message_above_a_new_servers_maximum_qos_fails_with_an_event() {
    let mut client = mqtt_lab::client::Client::new(ClientOptions::new(ProtocolVersion::V5, "c"));
    let t = client
        .publish(0, "t", Bytes::new(), PublishOptions::qos(QoS::ExactlyOnce))
        .unwrap();
    client.connect(0);
    client.handle_connected(0);
    let mut h = Harness {
        client,
        version: ProtocolVersion::V5,
        now: 0,
    };
    h.sent();
    h.events();
    h.connack(
        false,
        Properties {
            maximum_qos: Some(1),
            ..Properties::default()
        },
    );
    let ev = h.events();
    assert!(matches!(
        &ev[1],
        Event::PublishComplete { token, result: Err(ClientError::QosNotSupported { .. }) } if *token == t
    ));
    assert_eq!(h.sent(), b"");
}

#[test]
fn subscribe_made_while_offline_goes_out_after_connack() {
    let mut client =
        mqtt_lab::client::Client::new(ClientOptions::new(ProtocolVersion::V3_1_1, "c"));
    client
        .subscribe(
            0,
            vec![("a".into(), SubscriptionOptions::default())],
            Properties::default(),
        )
        .unwrap();
    client.connect(0);
    client.handle_connected(0);
    let mut h = Harness {
        client,
        version: ProtocolVersion::V3_1_1,
        now: 0,
    };
    h.sent();
    h.connack(false, Properties::default());
    h.expect_sent("82 06 00 01 00 01 61 00");
}
