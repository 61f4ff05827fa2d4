//! Malformed input the codec must reject, one test per case of the list in
//! REFERENCES.md, each asserting the exact error and its MQTT 5.0 reason code.
//! Topic filter syntax is the topic module's job and is not tested here.
#![cfg(not(target_arch = "wasm32"))]
use mqtt_lab::codec::*;

mod codec_common;
use codec_common::*;
use DecodeError as E;

/// A PUBLISH QoS 0 on `topic` (raw bytes), in the given version.
fn publish_raw_topic(topic: &[u8], v: ProtocolVersion) -> Vec<u8> {
    let mut body = vec![0, topic.len() as u8];
    body.extend_from_slice(topic);
    if v.is_v5() {
        body.push(0); // Property Length
    }
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

/// A 5.0 PUBLISH QoS 0 on "t" with the given property bytes.
fn publish_with_props(props: &[u8]) -> Vec<u8> {
    let mut out = vec![0x30, (4 + props.len()) as u8, 0, 1, b't', props.len() as u8];
    out.extend_from_slice(props);
    out
}

/// A CONNECT with the given flags byte and body after the Keep Alive.
fn connect_flags(level: u8, flags: u8, rest: &[u8]) -> Vec<u8> {
    let mut body = vec![0, 4, b'M', b'Q', b'T', b'T', level, flags, 0, 60];
    if level == 5 {
        body.push(0);
    }
    body.extend_from_slice(rest);
    let mut out = vec![0x10, body.len() as u8];
    out.extend(body);
    out
}

// ---- Variable Byte Integers -------------------------------------------------

#[test]
fn rejects_remaining_length_longer_than_four_bytes() {
    // [MQTT-2.2.3] / §1.5.5: at most four bytes.
    let bytes = [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];
    for v in [V4, V5] {
        let e = E::VarIntTooLong {
            field: "Remaining Length",
        };
        rejects(&bytes, v, e.clone(), 0x81);
        let mut d = Decoder::new(v);
        d.feed(&bytes);
        assert_eq!(d.next(), Err(e));
    }
}

#[test]
fn rejects_property_length_longer_than_four_bytes() {
    // §1.5.5: the Property Length is a Variable Byte Integer too.
    let bytes = [0xE0, 0x06, 0x00, 0x80, 0x80, 0x80, 0x80, 0x01];
    let e = E::VarIntTooLong {
        field: "Properties length",
    };
    rejects(&bytes, V5, e, 0x81);
}

#[test]
fn rejects_non_minimal_remaining_length_in_v5() {
    // [MQTT-1.5.5-1]: the minimal number of bytes must be used.
    let e = E::VarIntNotMinimal {
        field: "Remaining Length",
    };
    rejects(&[0xC0, 0x80, 0x00], V5, e, 0x81);
    // 3.1.1 states no such rule, and this codec accepts it there.
    assert_eq!(decode(&[0xC0, 0x80, 0x00], V4), Ok(Packet::PingReq));
}

#[test]
fn rejects_non_minimal_property_length_and_subscription_identifier_in_v5() {
    // [MQTT-1.5.5-1]
    let e = E::VarIntNotMinimal {
        field: "Properties length",
    };
    rejects(&[0xE0, 0x03, 0x00, 0x80, 0x00], V5, e, 0x81);
    let e = E::VarIntNotMinimal {
        field: "Subscription Identifier",
    };
    rejects(&publish_with_props(&[0x0B, 0x81, 0x00]), V5, e, 0x81);
}

// ---- UTF-8 strings ----------------------------------------------------------

#[test]
fn rejects_ill_formed_utf8() {
    // [MQTT-1.5.3-1] / [MQTT-1.5.4-1]
    for v in [V4, V5] {
        for bad in [
            &[0xFF][..],
            &[b'a', 0xC3],
            &[0xC0, 0xAF],
            &[0xF8, 0x88, 0x80, 0x80, 0x80],
        ] {
            let e = E::InvalidUtf8 {
                field: "Topic Name",
            };
            rejects(&publish_raw_topic(bad, v), v, e, 0x81);
        }
    }
}

#[test]
fn rejects_utf16_surrogates_encoded_as_utf8() {
    // [MQTT-1.5.3-1] / [MQTT-1.5.4-1]: U+D800..U+DFFF, e.g. ED A0 80 and ED BF BF.
    for v in [V4, V5] {
        for bad in [[0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF]] {
            let e = E::InvalidUtf8 {
                field: "Topic Name",
            };
            rejects(&publish_raw_topic(&bad, v), v, e, 0x81);
        }
    }
}

#[test]
fn rejects_null_character_in_strings() {
    // [MQTT-1.5.3-2] / [MQTT-1.5.4-2]
    for v in [V4, V5] {
        let e = E::NullCharacter {
            field: "Topic Name",
        };
        rejects(&publish_raw_topic(b"a\0b", v), v, e, 0x81);
        let e = E::NullCharacter {
            field: "Client Identifier",
        };
        let bytes = connect_flags(v.level(), 0x02, &[0, 1, 0]);
        rejects(&bytes, v, e, 0x81);
    }
    // In a User Property too.
    let e = E::NullCharacter {
        field: "User Property value",
    };
    rejects(
        &[0xE0, 0x09, 0x00, 0x07, 0x26, 0, 1, b'k', 0, 1, 0],
        V5,
        e,
        0x81,
    );
}

#[test]
fn keeps_a_leading_byte_order_mark() {
    // [MQTT-1.5.3-3] / [MQTT-1.5.4-3]: U+FEFF is not stripped.
    for v in [V4, V5] {
        match decode(&publish_raw_topic(&[0xEF, 0xBB, 0xBF, b'a'], v), v) {
            Ok(Packet::Publish(p)) => assert_eq!(p.topic, "\u{FEFF}a"),
            other => panic!("{other:?}"),
        }
    }
}

// ---- Fixed header -----------------------------------------------------------

#[test]
fn rejects_reserved_flags_on_every_packet_type_with_fixed_flags() {
    // [MQTT-2.2.2-1], [MQTT-2.2.2-2] / [MQTT-2.1.3-1]; PUBREL, SUBSCRIBE and
    // UNSUBSCRIBE must be 0010 [MQTT-3.6.1-1], [MQTT-3.8.1-1], [MQTT-3.10.1-1];
    // DISCONNECT 0000 [MQTT-3.14.1-1].
    for v in [V4, V5] {
        let last = if v.is_v5() { 15 } else { 14 };
        for nibble in (1..=last).filter(|&n| n != 3) {
            let kind = PacketType::from_nibble(nibble).unwrap();
            let expected = kind.required_flags().unwrap();
            for found in (0..16).filter(|&f| f != expected) {
                let e = E::InvalidFlags {
                    packet: kind,
                    expected,
                    found,
                };
                rejects(&[(nibble << 4) | found, 0x00], v, e, 0x81);
            }
        }
    }
}

#[test]
fn cites_the_packet_specific_statement_for_bad_flags() {
    let e = decode(&[0xE1, 0x00], V5).unwrap_err();
    assert_eq!(e.spec_ref(true), Some("MQTT-3.14.1-1"));
    let e = decode(&[0x60, 0x02, 0x00, 0x01], V5).unwrap_err();
    assert_eq!(e.spec_ref(true), Some("MQTT-3.6.1-1"));
    let e = decode(&[0x80, 0x02, 0x00, 0x01], V4).unwrap_err();
    assert_eq!(e.spec_ref(false), Some("MQTT-3.8.1-1"));
    let e = decode(&[0xA0, 0x02, 0x00, 0x01], V4).unwrap_err();
    assert_eq!(e.spec_ref(false), Some("MQTT-3.10.1-1"));
}

#[test]
fn rejects_packet_type_0() {
    // §2.2.1 / §2.1.2: type 0 is reserved.
    for v in [V4, V5] {
        rejects(&[0x00, 0x00], v, E::ReservedPacketType(0), 0x81);
    }
}

#[test]
fn rejects_packet_type_15_in_3_1_1_but_accepts_auth_in_5_0() {
    // §2.2.1: type 15 is reserved in 3.1.1; in 5.0 it is AUTH.
    rejects(&[0xF0, 0x00], V4, E::ReservedPacketType(15), 0x81);
    assert_eq!(decode(&[0xF0, 0x00], V5), Ok(Packet::Auth(Auth::default())));
}

// ---- PUBLISH ----------------------------------------------------------------

#[test]
fn rejects_publish_with_qos_3() {
    // [MQTT-3.3.1-4]
    for v in [V4, V5] {
        let mut b = publish_raw_topic(b"a", v);
        b[0] = 0x36;
        rejects(&b, v, E::InvalidQoS { field: "QoS" }, 0x81);
    }
}

#[test]
fn rejects_publish_with_dup_and_qos_0() {
    // [MQTT-3.3.1-2]
    for v in [V4, V5] {
        let mut b = publish_raw_topic(b"a", v);
        b[0] = 0x38;
        rejects(&b, v, E::DupWithQoS0, 0x81);
    }
}

#[test]
fn rejects_wildcards_in_a_publish_topic() {
    // [MQTT-3.3.2-2]
    for v in [V4, V5] {
        for t in ["a/+", "#", "a/#", "+"] {
            let e = E::WildcardInTopicName(t.into());
            rejects(&publish_raw_topic(t.as_bytes(), v), v, e, 0x90);
        }
    }
}

#[test]
fn rejects_a_zero_length_topic_without_a_topic_alias() {
    // [MQTT-4.7.3-1]; 5.0 §3.3.2.1: allowed only with a Topic Alias.
    for v in [V4, V5] {
        rejects(&publish_raw_topic(b"", v), v, E::EmptyTopicName, 0x82);
    }
    // 5.0: empty topic with Topic Alias 1 is fine.
    let b = [0x30, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01];
    match decode(&b, V5) {
        Ok(Packet::Publish(p)) => {
            assert_eq!(p.topic, "");
            assert_eq!(p.properties.topic_alias, Some(1));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rejects_a_will_topic_that_is_empty_or_has_wildcards() {
    // [MQTT-4.7.3-1], [MQTT-3.3.2-2]: the Will Topic is a Topic Name.
    for v in [V4, V5] {
        let will_props: &[u8] = if v.is_v5() { &[0] } else { &[] };
        let mut rest = vec![0, 1, b'c'];
        rest.extend_from_slice(will_props);
        let mut empty = rest.clone();
        empty.extend_from_slice(&[0, 0, 0, 0]);
        rejects(
            &connect_flags(v.level(), 0x06, &empty),
            v,
            E::EmptyTopicName,
            0x82,
        );
        let mut wild = rest.clone();
        wild.extend_from_slice(&[0, 1, b'#', 0, 0]);
        let e = E::WildcardInTopicName("#".into());
        rejects(&connect_flags(v.level(), 0x06, &wild), v, e, 0x90);
    }
}

#[test]
fn rejects_packet_identifier_0() {
    // [MQTT-2.3.1-1] / [MQTT-2.2.1-3], [MQTT-2.2.1-4]
    use PacketType as T;
    for v in [V4, V5] {
        let p = if v.is_v5() { vec![0u8] } else { vec![] };
        let mut cases: Vec<(Vec<u8>, PacketType)> = vec![
            (vec![0x40, 2, 0, 0], T::PubAck),
            (vec![0x50, 2, 0, 0], T::PubRec),
            (vec![0x62, 2, 0, 0], T::PubRel),
            (vec![0x70, 2, 0, 0], T::PubComp),
        ];
        let mut publish = vec![0x32, (5 + p.len()) as u8, 0, 1, b'a', 0, 0];
        publish.extend(&p);
        cases.push((publish, T::Publish));
        let mut sub = vec![0x82, (6 + p.len()) as u8, 0, 0];
        sub.extend(&p);
        sub.extend([0, 1, b'a', 0]);
        cases.push((sub, T::Subscribe));
        let mut unsub = vec![0xA2, (5 + p.len()) as u8, 0, 0];
        unsub.extend(&p);
        unsub.extend([0, 1, b'a']);
        cases.push((unsub, T::Unsubscribe));
        let mut suback = vec![0x90, (3 + p.len()) as u8, 0, 0];
        suback.extend(&p);
        suback.push(0);
        cases.push((suback, T::SubAck));
        let mut unsuback = vec![0xB0, 2 + 2 * p.len() as u8, 0, 0];
        unsuback.extend(&p);
        unsuback.extend(&p);
        cases.push((unsuback, T::UnsubAck));
        for (bytes, packet) in cases {
            rejects(&bytes, v, E::ZeroPacketId { packet }, 0x82);
        }
    }
}

// ---- CONNECT ----------------------------------------------------------------

#[test]
fn rejects_connect_with_a_bad_protocol_name() {
    // [MQTT-3.1.2-1]
    for v in [V4, V5] {
        let mut b = connect_flags(v.level(), 0x02, &[0, 1, b'c']);
        b[7] = b'X'; // "MQTX"
        let e = E::BadProtocolName {
            name: "MQTX".into(),
        };
        rejects(&b, v, e, 0x84);
    }
}

#[test]
fn rejects_connect_with_an_unsupported_protocol_level() {
    // [MQTT-3.1.2-2]
    for level in [0, 1, 2, 3, 6, 255] {
        let b = connect_flags(level, 0x02, &[0, 1, b'c']);
        rejects(&b, V4, E::UnsupportedProtocolLevel(level), 0x84);
    }
}

#[test]
fn rejects_connect_with_the_reserved_flag_set() {
    // [MQTT-3.1.2-3]
    for v in [V4, V5] {
        let b = connect_flags(v.level(), 0x03, &[0, 1, b'c']);
        rejects(&b, v, E::ConnectReservedFlag, 0x81);
    }
}

#[test]
fn rejects_will_qos_or_will_retain_without_the_will_flag() {
    // [MQTT-3.1.2-11], [MQTT-3.1.2-13] (5.0), [MQTT-3.1.2-15] (3.1.1)
    for v in [V4, V5] {
        for flags in [0x0A, 0x12, 0x22, 0x3A] {
            let b = connect_flags(v.level(), flags, &[0, 1, b'c']);
            rejects(&b, v, E::WillFlagsWithoutWill, 0x81);
        }
    }
}

#[test]
fn rejects_will_qos_3() {
    // [MQTT-3.1.2-14] (3.1.1) / [MQTT-3.1.2-12] (5.0)
    for v in [V4, V5] {
        let mut rest = vec![0, 1, b'c'];
        if v.is_v5() {
            rest.push(0);
        }
        rest.extend([0, 1, b'w', 0, 0]);
        let b = connect_flags(v.level(), 0x1E, &rest);
        let e = decode(&b, v).unwrap_err();
        assert_eq!(e, E::InvalidQoS { field: "Will QoS" });
        assert_eq!(e.reason_code(), ReasonCode::MALFORMED_PACKET);
        let want = if v.is_v5() {
            "MQTT-3.1.2-12"
        } else {
            "MQTT-3.1.2-14"
        };
        assert_eq!(e.spec_ref(v.is_v5()), Some(want));
    }
}

#[test]
fn rejects_password_without_username_in_3_1_1_only() {
    // [MQTT-3.1.2-22] (3.1.1); 5.0 allows a password alone (§3.1.2.9).
    let b = connect_flags(4, 0x42, &[0, 1, b'c', 0, 1, b'p']);
    rejects(&b, V4, E::PasswordWithoutUsername, 0x81);
    let b = connect_flags(5, 0x42, &[0, 1, b'c', 0, 1, b'p']);
    match decode(&b, V5) {
        Ok(Packet::Connect(c)) => {
            assert_eq!(c.username, None);
            assert_eq!(c.password.as_deref(), Some(&b"p"[..]));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn server_decoder_rejects_a_first_packet_that_is_not_connect() {
    // [MQTT-3.1.0-1]
    let mut d = Decoder::server();
    d.feed(&[0xC0, 0x00]);
    let e = d.next().unwrap_err();
    assert_eq!(e, E::FirstPacketNotConnect(PacketType::PingReq));
    assert_eq!(e.reason_code(), ReasonCode::PROTOCOL_ERROR);
    // The error sticks: the stream cannot be resynchronised.
    d.feed(&connect_flags(4, 0x02, &[0, 1, b'c']));
    assert_eq!(d.next(), Err(e));
}

#[test]
fn server_decoder_takes_its_version_from_connect() {
    let mut d = Decoder::server();
    d.feed(&connect_flags(4, 0x02, &[0, 1, b'c']));
    d.feed(&[0xE0, 0x00]);
    assert!(matches!(d.next(), Ok(Some(Packet::Connect(_)))));
    assert_eq!(d.version(), Some(V4));
    assert_eq!(
        d.next(),
        Ok(Some(Packet::Disconnect(Disconnect::default())))
    );
    assert_eq!(d.next(), Ok(None));
}

// ---- SUBSCRIBE / UNSUBSCRIBE ------------------------------------------------

#[test]
fn rejects_subscribe_and_unsubscribe_without_filters() {
    // [MQTT-3.8.3-3] (3.1.1) / [MQTT-3.8.3-2] (5.0); [MQTT-3.10.3-2]
    let subscribe = PacketType::Subscribe;
    let unsubscribe = PacketType::Unsubscribe;
    rejects(
        &[0x82, 2, 0, 1],
        V4,
        E::NoTopicFilters { packet: subscribe },
        0x82,
    );
    rejects(
        &[0x82, 3, 0, 1, 0],
        V5,
        E::NoTopicFilters { packet: subscribe },
        0x82,
    );
    rejects(
        &[0xA2, 2, 0, 1],
        V4,
        E::NoTopicFilters {
            packet: unsubscribe,
        },
        0x82,
    );
    rejects(
        &[0xA2, 3, 0, 1, 0],
        V5,
        E::NoTopicFilters {
            packet: unsubscribe,
        },
        0x82,
    );
}

fn subscribe_one(v: ProtocolVersion, filter: &str, options: u8) -> Vec<u8> {
    let mut body = vec![0, 1];
    if v.is_v5() {
        body.push(0);
    }
    body.extend([0, filter.len() as u8]);
    body.extend_from_slice(filter.as_bytes());
    body.push(options);
    let mut out = vec![0x82, body.len() as u8];
    out.extend(body);
    out
}

#[test]
fn rejects_reserved_subscription_option_bits() {
    // 3.1.1 [MQTT-3-8.3-4]: bits 7-2; 5.0 [MQTT-3.8.3-5]: bits 7-6.
    for (v, bits) in [(V4, 2..8), (V5, 6..8)] {
        for bit in bits {
            let e = E::SubscriptionOptionsReserved { filter: "a".into() };
            rejects(&subscribe_one(v, "a", 1 << bit), v, e, 0x81);
        }
    }
}

#[test]
fn rejects_subscription_qos_3() {
    // 3.1.1 [MQTT-3-8.3-4]: malformed; 5.0 §3.8.3.1: "It is a Protocol Error if
    // the Maximum QoS field has the value 3."
    let field = "Requested QoS";
    for v in [V4, V5] {
        let e = decode(&subscribe_one(v, "a", 3), v).unwrap_err();
        assert_eq!(e, E::InvalidQoS { field });
    }
    let e = decode(&subscribe_one(V5, "a", 3), V5).unwrap_err();
    assert_eq!(e.reason_code(), ReasonCode::PROTOCOL_ERROR);
}

#[test]
fn rejects_retain_handling_3() {
    // 5.0 §3.8.3.1: "It is a Protocol Error to send a Retain Handling value of 3."
    let e = E::InvalidRetainHandling { filter: "a".into() };
    rejects(&subscribe_one(V5, "a", 0x30), V5, e, 0x82);
}

#[test]
fn rejects_no_local_on_a_shared_subscription() {
    // [MQTT-3.8.3-4] (5.0)
    let e = E::NoLocalOnSharedSubscription {
        filter: "$share/g/a".into(),
    };
    rejects(&subscribe_one(V5, "$share/g/a", 0x04), V5, e, 0x82);
    // No Local on an ordinary filter is fine.
    assert!(decode(&subscribe_one(V5, "a", 0x04), V5).is_ok());
}

// ---- Lengths ----------------------------------------------------------------

#[test]
fn rejects_trailing_bytes() {
    use PacketType as T;
    let trailing = |packet, extra| E::TrailingBytes { packet, extra };
    for v in [V4, V5] {
        rejects(&[0xC0, 1, 0], v, trailing(T::PingReq, 1), 0x81);
        rejects(&[0xD0, 2, 0, 0], v, trailing(T::PingResp, 2), 0x81);
    }
    // 3.1.1 acks and DISCONNECT have fixed lengths.
    rejects(&[0x40, 3, 0, 1, 0], V4, trailing(T::PubAck, 1), 0x81);
    rejects(&[0xB0, 3, 0, 1, 0], V4, trailing(T::UnsubAck, 1), 0x81);
    rejects(&[0xE0, 1, 0], V4, trailing(T::Disconnect, 1), 0x81);
    rejects(&[0x20, 3, 0, 0, 0], V4, trailing(T::ConnAck, 1), 0x81);
    // Bytes after the whole packet.
    rejects(&[0xC0, 0, 0xC0, 0], V4, trailing(T::PingReq, 2), 0x81);
}

#[test]
fn rejects_truncated_fields() {
    for v in [V4, V5] {
        let e = E::Truncated {
            field: "Packet type and flags",
            needed: 1,
        };
        rejects(&[], v, e, 0x81);
        let e = E::Truncated {
            field: "Remaining Length",
            needed: 1,
        };
        rejects(&[0x30], v, e, 0x81);
        let e = E::Truncated {
            field: "the packet body",
            needed: 3,
        };
        rejects(&[0x30, 0x04, 0x00], v, e, 0x81);
        let e = E::Truncated {
            field: "Packet Identifier",
            needed: 1,
        };
        rejects(&[0x40, 0x01, 0x00], v, e, 0x81);
        let e = E::Truncated {
            field: "Topic Name",
            needed: 2,
        };
        rejects(&[0x30, 0x03, 0x00, 0x03, b'a'], v, e, 0x81);
    }
    let e = E::Truncated {
        field: "Client Identifier",
        needed: 1,
    };
    rejects(&connect_flags(4, 0x02, &[0]), V4, e, 0x81);
}

#[test]
fn refuses_a_packet_too_large_from_its_fixed_header_alone() {
    // 5.0 §3.1.2.11.4 / §4.13: reason 0x95 Packet too large.
    let mut d = Decoder::new(V5).with_max_packet_size(100);
    // PUBLISH with Remaining Length 99: 101 bytes in all.
    d.feed(&[0x30, 99]);
    let e = d.next().unwrap_err();
    assert_eq!(
        e,
        E::PacketTooLarge {
            size: 101,
            max: 100
        }
    );
    assert_eq!(e.reason_code(), ReasonCode::PACKET_TOO_LARGE);
    assert_eq!(d.buffered(), 0, "nothing of the body is buffered");
    // A packet of exactly the maximum is accepted.
    let mut d = Decoder::new(V5).with_max_packet_size(100);
    d.feed(&[0x30, 98]);
    assert_eq!(d.next(), Ok(None));
    // A 4-byte Remaining Length is refused as soon as it is complete.
    let mut d = Decoder::new(V4).with_max_packet_size(1 << 20);
    d.feed(&[0x30, 0xFF, 0xFF]);
    assert_eq!(d.next(), Ok(None));
    d.feed(&[0x7F]);
    let e = d.next().unwrap_err();
    assert!(matches!(
        e,
        E::PacketTooLarge {
            size: 2_097_155,
            ..
        }
    ));
}
