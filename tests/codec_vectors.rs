//! Byte vectors for every packet type in MQTT 3.1.1 and 5.0, written out by
//! hand from the specifications' figures and field descriptions. For each one:
//! decode gives the expected packet, encode gives the exact bytes, and
//! `encoded_len` equals the byte count.
#![cfg(not(target_arch = "wasm32"))]
use bytes::Bytes;
use mqtt_lab::codec::*;

mod codec_common;
use codec_common::*;

// ---- Variable Byte Integer (3.1.1 §2.2.3 table, 5.0 §1.5.5 table) -----------

/// A 3.1.1 QoS 0 PUBLISH on "a" whose Remaining Length is `remaining`.
fn publish_with_remaining(remaining: usize) -> Packet {
    Packet::Publish(Publish {
        topic: "a".into(),
        payload: Bytes::from(vec![0u8; remaining - 3]),
        ..Default::default()
    })
}

#[test]
fn remaining_length_uses_the_variable_byte_integer_examples() {
    // 0 (0x00): PINGREQ.
    vector(&[0xC0, 0x00], V4, Packet::PingReq);
    let cases: [(usize, &[u8]); 6] = [
        (127, &[0x7F]),
        (128, &[0x80, 0x01]),
        (16_383, &[0xFF, 0x7F]),
        (16_384, &[0x80, 0x80, 0x01]),
        (2_097_151, &[0xFF, 0xFF, 0x7F]),
        (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
    ];
    for (remaining, vbi) in cases {
        let mut bytes = vec![0x30];
        bytes.extend_from_slice(vbi);
        bytes.extend_from_slice(&[0x00, 0x01, b'a']);
        bytes.resize(1 + vbi.len() + remaining, 0);
        vector(&bytes, V4, publish_with_remaining(remaining));
        assert_eq!(varint_len(remaining as u32), vbi.len());
    }
}

#[test]
fn remaining_length_maximum_is_268_435_455_in_four_bytes() {
    // 268,435,455 = FF FF FF 7F. The payload is never touched (zeroed lazily).
    assert_eq!(VARINT_MAX, 268_435_455);
    assert_eq!(varint_len(VARINT_MAX), 4);
    let p = publish_with_remaining(VARINT_MAX as usize);
    assert_eq!(p.encoded_len(V4), 5 + VARINT_MAX as usize);
    let header = [0x30, 0xFF, 0xFF, 0xFF, 0x7F];
    assert_eq!(
        check_header(&header, MAX_PACKET_SIZE),
        Ok(HeaderCheck::NeedMore(VARINT_MAX as usize))
    );
    // One more byte does not fit a Remaining Length.
    let too_big = publish_with_remaining(VARINT_MAX as usize + 1);
    assert_eq!(
        too_big.to_bytes(V4),
        Err(EncodeError::PacketTooLarge(VARINT_MAX as usize + 1))
    );
}

// ---- CONNECT ----------------------------------------------------------------

#[test]
fn connect_3_1_1_with_the_variable_header_example() {
    // 3.1.1 §3.1.2.10, Figure 3.6 (variable header non-normative example).
    #[rustfmt::skip]
    let bytes = [
        0x10, 0x19,                         // CONNECT, Remaining Length 25
        0x00, 0x04, b'M', b'Q', b'T', b'T', // Protocol Name
        0x04,                               // Protocol Level 4
        0xCE,                               // User Name, Password, Will QoS 1, Will, Clean Session
        0x00, 0x0A,                         // Keep Alive 10
        0x00, 0x01, b'c',                   // Client Identifier
        0x00, 0x01, b'w',                   // Will Topic
        0x00, 0x01, b'm',                   // Will Message
        0x00, 0x01, b'u',                   // User Name
        0x00, 0x01, b'p',                   // Password
    ];
    let expected = Connect {
        protocol: V4,
        clean_start: true,
        keep_alive: 10,
        client_id: "c".into(),
        will: Some(LastWill {
            topic: "w".into(),
            payload: b(b"m"),
            qos: QoS::AtLeastOnce,
            ..Default::default()
        }),
        username: Some("u".into()),
        password: Some(b(b"p")),
        properties: Properties::default(),
    };
    vector(&bytes, V4, Packet::Connect(Box::new(expected)));
}

#[test]
fn connect_mqtt_3_1_mqisdp_level_3_decodes() {
    #[rustfmt::skip]
    let bytes = [
        0x10, 0x0F,
        0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', // Protocol Name "MQIsdp"
        0x03,                                           // Protocol Level 3
        0x02,                                           // Clean Session
        0x00, 0x3C,                                     // Keep Alive 60
        0x00, 0x01, b'c',                               // Client Identifier
    ];
    let expected = Connect {
        protocol: V3,
        client_id: "c".into(),
        ..Default::default()
    };
    vector(&bytes, V4, Packet::Connect(Box::new(expected)));
    // The server decoder takes 3.1 from it and decodes the rest as 3.1.1.
    let mut d = Decoder::server();
    d.feed(&bytes);
    d.feed(&[0xE0, 0x00]);
    assert!(matches!(d.next(), Ok(Some(Packet::Connect(_)))));
    assert_eq!(d.version(), Some(V3));
    assert_eq!(
        d.next(),
        Ok(Some(Packet::Disconnect(Disconnect::default())))
    );
}

#[test]
fn connect_5_0_with_the_variable_header_example() {
    // 5.0 §3.1.2.12, Figure 3-6: Session Expiry Interval 10 as the property.
    #[rustfmt::skip]
    let bytes = [
        0x10, 0x20,                         // CONNECT, Remaining Length 32
        0x00, 0x04, b'M', b'Q', b'T', b'T', // Protocol Name
        0x05,                               // Protocol Version 5
        0xCE,                               // User Name, Password, Will QoS 1, Will, Clean Start
        0x00, 0x0A,                         // Keep Alive 10
        0x05,                               // Property Length 5
        0x11, 0x00, 0x00, 0x00, 0x0A,       // Session Expiry Interval 10
        0x00, 0x01, b'c',                   // Client Identifier
        0x00,                               // Will Property Length 0
        0x00, 0x01, b'w',                   // Will Topic
        0x00, 0x01, b'm',                   // Will Payload
        0x00, 0x01, b'u',                   // User Name
        0x00, 0x01, b'p',                   // Password
    ];
    let expected = Connect {
        protocol: V5,
        clean_start: true,
        keep_alive: 10,
        client_id: "c".into(),
        will: Some(LastWill {
            topic: "w".into(),
            payload: b(b"m"),
            qos: QoS::AtLeastOnce,
            ..Default::default()
        }),
        username: Some("u".into()),
        password: Some(b(b"p")),
        properties: Properties {
            session_expiry_interval: Some(10),
            ..Default::default()
        },
    };
    vector(&bytes, V5, Packet::Connect(Box::new(expected)));
}

#[test]
fn connect_5_0_with_every_connect_and_will_property() {
    #[rustfmt::skip]
    let bytes = [
        0x10, 0x59,                         // CONNECT, Remaining Length 89
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05,
        0x74,                               // Password, Will Retain, Will QoS 2, Will
        0x00, 0x00,                         // Keep Alive 0
        0x23,                               // Property Length 35
        0x11, 0x00, 0x00, 0x00, 0x78,       //   Session Expiry Interval 120
        0x15, 0x00, 0x01, b'm',             //   Authentication Method "m"
        0x16, 0x00, 0x01, 0x01,             //   Authentication Data 01
        0x17, 0x00,                         //   Request Problem Information 0
        0x19, 0x01,                         //   Request Response Information 1
        0x21, 0x00, 0x14,                   //   Receive Maximum 20
        0x22, 0x00, 0x05,                   //   Topic Alias Maximum 5
        0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v', // User Property k=v
        0x27, 0x00, 0x00, 0x04, 0x00,       //   Maximum Packet Size 1024
        0x00, 0x00,                         // Client Identifier ""
        0x1F,                               // Will Property Length 31
        0x01, 0x01,                         //   Payload Format Indicator 1
        0x02, 0x00, 0x00, 0x00, 0x3C,       //   Message Expiry Interval 60
        0x03, 0x00, 0x01, b't',             //   Content Type "t"
        0x08, 0x00, 0x01, b'r',             //   Response Topic "r"
        0x09, 0x00, 0x01, 0xAA,             //   Correlation Data AA
        0x18, 0x00, 0x00, 0x00, 0x05,       //   Will Delay Interval 5
        0x26, 0x00, 0x01, b'a', 0x00, 0x01, b'b', // User Property a=b
        0x00, 0x01, b'w',                   // Will Topic
        0x00, 0x00,                         // Will Payload (empty)
        0x00, 0x02, 0x01, 0x02,             // Password 01 02
    ];
    let expected = Connect {
        protocol: V5,
        clean_start: false,
        keep_alive: 0,
        client_id: String::new(),
        will: Some(LastWill {
            topic: "w".into(),
            payload: Bytes::new(),
            qos: QoS::ExactlyOnce,
            retain: true,
            properties: Properties {
                payload_format_indicator: Some(1),
                message_expiry_interval: Some(60),
                content_type: Some("t".into()),
                response_topic: Some("r".into()),
                correlation_data: Some(b(&[0xAA])),
                will_delay_interval: Some(5),
                user_properties: user("a", "b"),
                ..Default::default()
            },
        }),
        username: None,
        password: Some(b(&[1, 2])),
        properties: Properties {
            session_expiry_interval: Some(120),
            authentication_method: Some("m".into()),
            authentication_data: Some(b(&[1])),
            request_problem_information: Some(0),
            request_response_information: Some(1),
            receive_maximum: Some(20),
            topic_alias_maximum: Some(5),
            user_properties: user("k", "v"),
            maximum_packet_size: Some(1024),
            ..Default::default()
        },
    };
    vector(&bytes, V5, Packet::Connect(Box::new(expected)));
}

// ---- CONNACK ----------------------------------------------------------------

#[test]
fn connack_3_1_1() {
    // §3.2: flags (Session Present), return code.
    let accepted = ConnAck {
        session_present: true,
        ..Default::default()
    };
    vector(&[0x20, 0x02, 0x01, 0x00], V4, Packet::ConnAck(accepted));
    let refused = ConnAck {
        reason_code: ReasonCode(5), // not authorized
        ..Default::default()
    };
    vector(&[0x20, 0x02, 0x00, 0x05], V4, Packet::ConnAck(refused));
}

#[test]
fn connack_5_0_short_and_with_every_connack_property() {
    let refused = ConnAck {
        reason_code: ReasonCode::NOT_AUTHORIZED,
        ..Default::default()
    };
    vector(
        &[0x20, 0x03, 0x00, 0x87, 0x00],
        V5,
        Packet::ConnAck(refused),
    );
    #[rustfmt::skip]
    let bytes = [
        0x20, 0x42,                         // CONNACK, Remaining Length 66
        0x00, 0x00,                         // Session Present 0, Success
        0x3F,                               // Property Length 63
        0x11, 0x00, 0x00, 0x00, 0x00,       //   Session Expiry Interval 0
        0x12, 0x00, 0x02, b'i', b'd',       //   Assigned Client Identifier "id"
        0x13, 0x00, 0x1E,                   //   Server Keep Alive 30
        0x15, 0x00, 0x01, b'm',             //   Authentication Method "m"
        0x16, 0x00, 0x01, 0x01,             //   Authentication Data 01
        0x1A, 0x00, 0x02, b'r', b'i',       //   Response Information "ri"
        0x1C, 0x00, 0x01, b's',             //   Server Reference "s"
        0x1F, 0x00, 0x02, b'o', b'k',       //   Reason String "ok"
        0x21, 0x00, 0x0A,                   //   Receive Maximum 10
        0x22, 0x00, 0x0A,                   //   Topic Alias Maximum 10
        0x24, 0x01,                         //   Maximum QoS 1
        0x25, 0x00,                         //   Retain Available 0
        0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v', // User Property k=v
        0x27, 0x00, 0x00, 0x10, 0x00,       //   Maximum Packet Size 4096
        0x28, 0x00,                         //   Wildcard Subscription Available 0
        0x29, 0x01,                         //   Subscription Identifier Available 1
        0x2A, 0x00,                         //   Shared Subscription Available 0
    ];
    let expected = ConnAck {
        session_present: false,
        reason_code: ReasonCode::SUCCESS,
        properties: Properties {
            session_expiry_interval: Some(0),
            assigned_client_identifier: Some("id".into()),
            server_keep_alive: Some(30),
            authentication_method: Some("m".into()),
            authentication_data: Some(b(&[1])),
            response_information: Some("ri".into()),
            server_reference: Some("s".into()),
            reason_string: Some("ok".into()),
            receive_maximum: Some(10),
            topic_alias_maximum: Some(10),
            maximum_qos: Some(1),
            retain_available: Some(0),
            user_properties: user("k", "v"),
            maximum_packet_size: Some(4096),
            wildcard_subscription_available: Some(0),
            subscription_identifiers_available: Some(1),
            shared_subscription_available: Some(0),
            ..Default::default()
        },
    };
    vector(&bytes, V5, Packet::ConnAck(expected));
}

// ---- PUBLISH and its acknowledgements ---------------------------------------

#[test]
fn publish_3_1_1() {
    // §3.3.2.3 example: Topic Name "a/b", Packet Identifier 10.
    #[rustfmt::skip]
    let bytes = [
        0x32, 0x09,                   // PUBLISH QoS 1, Remaining Length 9
        0x00, 0x03, b'a', b'/', b'b', // Topic Name
        0x00, 0x0A,                   // Packet Identifier 10
        b'h', b'i',                   // Payload
    ];
    let expected = Publish {
        qos: QoS::AtLeastOnce,
        topic: "a/b".into(),
        packet_id: 10,
        payload: b(b"hi"),
        ..Default::default()
    };
    vector(&bytes, V4, Packet::Publish(expected));
    // QoS 0 retained, empty payload: no Packet Identifier.
    let expected = Publish {
        retain: true,
        topic: "a/b".into(),
        ..Default::default()
    };
    vector(
        &[0x31, 0x05, 0x00, 0x03, b'a', b'/', b'b'],
        V4,
        Packet::Publish(expected),
    );
    // QoS 2 with DUP.
    let expected = Publish {
        dup: true,
        qos: QoS::ExactlyOnce,
        topic: "t".into(),
        packet_id: 0xFFFF,
        ..Default::default()
    };
    vector(
        &[0x3C, 0x05, 0x00, 0x01, b't', 0xFF, 0xFF],
        V4,
        Packet::Publish(expected),
    );
}

#[test]
fn publish_5_0_with_every_publish_property() {
    #[rustfmt::skip]
    let bytes = [
        0x33, 0x2E,                         // PUBLISH QoS 1 RETAIN, Remaining Length 46
        0x00, 0x03, b'a', b'/', b'b',       // Topic Name
        0x00, 0x0A,                         // Packet Identifier 10
        0x24,                               // Property Length 36
        0x01, 0x01,                         //   Payload Format Indicator 1
        0x02, 0x00, 0x00, 0x00, 0x3C,       //   Message Expiry Interval 60
        0x03, 0x00, 0x01, b't',             //   Content Type "t"
        0x08, 0x00, 0x01, b'r',             //   Response Topic "r"
        0x09, 0x00, 0x01, 0xAA,             //   Correlation Data AA
        0x0B, 0x01,                         //   Subscription Identifier 1
        0x0B, 0xFF, 0xFF, 0xFF, 0x7F,       //   Subscription Identifier 268,435,455
        0x23, 0x00, 0x01,                   //   Topic Alias 1
        0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v', // User Property k=v
        b'h', b'i',                         // Payload
    ];
    let expected = Publish {
        dup: false,
        qos: QoS::AtLeastOnce,
        retain: true,
        topic: "a/b".into(),
        packet_id: 10,
        payload: b(b"hi"),
        properties: Properties {
            payload_format_indicator: Some(1),
            message_expiry_interval: Some(60),
            content_type: Some("t".into()),
            response_topic: Some("r".into()),
            correlation_data: Some(b(&[0xAA])),
            subscription_identifiers: vec![1, VARINT_MAX],
            topic_alias: Some(1),
            user_properties: user("k", "v"),
            ..Default::default()
        },
    };
    vector(&bytes, V5, Packet::Publish(expected));
}

#[test]
fn publish_5_0_minimal_and_with_an_empty_topic_and_a_topic_alias() {
    let expected = Publish {
        topic: "a/b".into(),
        ..Default::default()
    };
    #[rustfmt::skip]
    let bytes = [0x30, 0x06, 0x00, 0x03, b'a', b'/', b'b', 0x00 /* no properties */];
    vector(&bytes, V5, Packet::Publish(expected));
    let expected = Publish {
        topic: String::new(),
        properties: Properties {
            topic_alias: Some(5),
            ..Default::default()
        },
        ..Default::default()
    };
    #[rustfmt::skip]
    let bytes = [0x30, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x05]; // "" + Topic Alias 5
    vector(&bytes, V5, Packet::Publish(expected));
}

#[test]
fn publish_acknowledgements_3_1_1() {
    // §3.4-§3.7: a Packet Identifier only; PUBREL has flags 0010.
    let r = PubResponse::new(10);
    vector(&[0x40, 0x02, 0x00, 0x0A], V4, Packet::PubAck(r.clone()));
    vector(&[0x50, 0x02, 0x00, 0x0A], V4, Packet::PubRec(r.clone()));
    vector(&[0x62, 0x02, 0x00, 0x0A], V4, Packet::PubRel(r.clone()));
    vector(&[0x70, 0x02, 0x00, 0x0A], V4, Packet::PubComp(r));
}

#[test]
fn publish_acknowledgements_5_0_short_forms_and_full_form() {
    // §3.4.2.1: with only the Packet Identifier, the reason is Success.
    let r = PubResponse::new(10);
    vector(&[0x40, 0x02, 0x00, 0x0A], V5, Packet::PubAck(r.clone()));
    vector(&[0x70, 0x02, 0x00, 0x0A], V5, Packet::PubComp(r.clone()));
    // Reason code without properties.
    let with = |code: ReasonCode| PubResponse {
        reason_code: code,
        ..PubResponse::new(10)
    };
    let no_subscribers = with(ReasonCode::NO_MATCHING_SUBSCRIBERS);
    vector(
        &[0x40, 0x03, 0x00, 0x0A, 0x10],
        V5,
        Packet::PubAck(no_subscribers),
    );
    let unspecified = with(ReasonCode::UNSPECIFIED_ERROR);
    vector(
        &[0x50, 0x03, 0x00, 0x0A, 0x80],
        V5,
        Packet::PubRec(unspecified),
    );
    let not_found = with(ReasonCode::PACKET_IDENTIFIER_NOT_FOUND);
    vector(
        &[0x62, 0x03, 0x00, 0x0A, 0x92],
        V5,
        Packet::PubRel(not_found),
    );
    // Success with a Property Length of 0 decodes too (and encodes shorter).
    let long = Packet::decode(b(&[0x40, 0x04, 0x00, 0x0A, 0x00, 0x00]), V5);
    assert_eq!(long, Ok(Packet::PubAck(r)));
    #[rustfmt::skip]
    let bytes = [
        0x40, 0x10,                         // PUBACK, Remaining Length 16
        0x00, 0x0A,                         // Packet Identifier 10
        0x99,                               // Payload format invalid
        0x0C,                               // Property Length 12
        0x1F, 0x00, 0x02, b'n', b'o',       //   Reason String "no"
        0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v', // User Property k=v
    ];
    let expected = PubResponse {
        packet_id: 10,
        reason_code: ReasonCode::PAYLOAD_FORMAT_INVALID,
        properties: Properties {
            reason_string: Some("no".into()),
            user_properties: user("k", "v"),
            ..Default::default()
        },
    };
    vector(&bytes, V5, Packet::PubAck(expected));
}
