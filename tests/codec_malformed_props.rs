//! Malformed MQTT 5.0 properties and invalid reason codes the codec must
//! reject, each test asserting the exact error and its 5.0 reason code.
#![cfg(not(target_arch = "wasm32"))]
use mqtt_lab::codec::*;

mod codec_common;
use codec_common::*;
use DecodeError as E;

/// A 5.0 PUBLISH QoS 0 on "t" with the given property bytes.
fn publish_with_props(props: &[u8]) -> Vec<u8> {
    let mut out = vec![0x30, (4 + props.len()) as u8, 0, 1, b't', props.len() as u8];
    out.extend_from_slice(props);
    out
}

/// A 5.0 CONNECT (client id "c", no flags) with the given property bytes.
fn connect_with_props(props: &[u8]) -> Vec<u8> {
    let mut body = vec![
        0,
        4,
        b'M',
        b'Q',
        b'T',
        b'T',
        5,
        0x02,
        0,
        60,
        props.len() as u8,
    ];
    body.extend_from_slice(props);
    body.extend_from_slice(&[0, 1, b'c']);
    let mut out = vec![0x10, body.len() as u8];
    out.extend(body);
    out
}

// ---- 5.0 properties ---------------------------------------------------------

#[test]
fn rejects_a_property_not_allowed_in_the_packet() {
    // §2.2.2.2: an identifier not valid for the packet type is a Malformed Packet.
    let e = E::PropertyNotAllowed {
        id: 0x23,
        name: "Topic Alias",
        packet: "CONNECT",
    };
    rejects(&connect_with_props(&[0x23, 0, 1]), V5, e, 0x81);
    let e = E::PropertyNotAllowed {
        id: 0x11,
        name: "Session Expiry Interval",
        packet: "PUBLISH",
    };
    rejects(&publish_with_props(&[0x11, 0, 0, 0, 1]), V5, e, 0x81);
    let e = E::PropertyNotAllowed {
        id: 0x18,
        name: "Will Delay Interval",
        packet: "CONNECT",
    };
    rejects(&connect_with_props(&[0x18, 0, 0, 0, 1]), V5, e, 0x81);
    let e = E::PropertyNotAllowed {
        id: 0x1F,
        name: "Reason String",
        packet: "SUBSCRIBE",
    };
    let b = [0x82, 11, 0, 1, 4, 0x1F, 0, 1, b'x', 0, 1, b'a', 0];
    rejects(&b, V5, e, 0x81);
    let e = E::PropertyNotAllowed {
        id: 0x02,
        name: "Message Expiry Interval",
        packet: "AUTH",
    };
    rejects(&[0xF0, 0x07, 0x18, 0x05, 0x02, 0, 0, 0, 1], V5, e, 0x81);
}

#[test]
fn rejects_an_unknown_property_identifier() {
    // §2.2.2.2
    for id in [0x00, 0x04, 0x14, 0x2B, 0x7F, 0x80] {
        rejects(
            &publish_with_props(&[id, 0]),
            V5,
            E::UnknownProperty(id),
            0x81,
        );
    }
}

#[test]
fn rejects_a_property_length_overrunning_the_packet() {
    // The Property Length says 5 but only 2 bytes follow.
    let e = E::Truncated {
        field: "Properties",
        needed: 3,
    };
    rejects(&[0xE0, 0x04, 0x00, 0x05, 0x01, 0x00], V5, e, 0x81);
    // A property value running past the Property Length, inside the packet.
    let e = E::Truncated {
        field: "Session Expiry Interval",
        needed: 2,
    };
    rejects(&[0xE0, 0x07, 0x00, 0x03, 0x11, 0, 0, 0, 0], V5, e, 0x81);
}

#[test]
fn rejects_a_repeated_property() {
    // "It is a Protocol Error to include the ... more than once."
    let e = E::DuplicateProperty {
        id: 0x02,
        name: "Message Expiry Interval",
    };
    rejects(
        &publish_with_props(&[2, 0, 0, 0, 1, 2, 0, 0, 0, 2]),
        V5,
        e,
        0x82,
    );
    let e = E::DuplicateProperty {
        id: 0x21,
        name: "Receive Maximum",
    };
    rejects(&connect_with_props(&[0x21, 0, 1, 0x21, 0, 2]), V5, e, 0x82);
}

#[test]
fn accepts_repeated_user_properties_in_order() {
    // §3.3.2.3.7: the User Property may appear multiple times.
    let props = [0x26, 0, 1, b'k', 0, 1, b'1', 0x26, 0, 1, b'k', 0, 1, b'2'];
    match decode(&publish_with_props(&props), V5) {
        Ok(Packet::Publish(p)) => assert_eq!(
            p.properties.user_properties,
            vec![("k".into(), "1".into()), ("k".into(), "2".into())]
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn accepts_repeated_subscription_identifiers_in_publish_but_not_in_subscribe() {
    // §3.3.2.3.8: multiple in PUBLISH; §3.8.2.1.2: more than once in SUBSCRIBE is a Protocol Error.
    match decode(&publish_with_props(&[0x0B, 1, 0x0B, 2]), V5) {
        Ok(Packet::Publish(p)) => assert_eq!(p.properties.subscription_identifiers, [1, 2]),
        other => panic!("{other:?}"),
    }
    let b = [0x82, 11, 0, 1, 4, 0x0B, 1, 0x0B, 2, 0, 1, b'a', 0];
    let e = E::DuplicateProperty {
        id: 0x0B,
        name: "Subscription Identifier",
    };
    rejects(&b, V5, e, 0x82);
}

#[test]
fn rejects_zero_values_where_they_are_forbidden() {
    // §3.1.2.11.3 Receive Maximum 0; §3.1.2.11.4 Maximum Packet Size 0;
    // §3.8.2.1.2 / §3.3.2.3.8 Subscription Identifier 0: Protocol Errors.
    let invalid = |name, why| E::InvalidPropertyValue {
        name,
        value: 0,
        why,
    };
    let nz = "it must not be 0";
    rejects(
        &connect_with_props(&[0x21, 0, 0]),
        V5,
        invalid("Receive Maximum", nz),
        0x82,
    );
    let b = connect_with_props(&[0x27, 0, 0, 0, 0]);
    rejects(&b, V5, invalid("Maximum Packet Size", nz), 0x82);
    let b = [0x20, 0x06, 0, 0, 3, 0x21, 0, 0];
    rejects(&b, V5, invalid("Receive Maximum", nz), 0x82);
    let b = publish_with_props(&[0x0B, 0]);
    rejects(&b, V5, invalid("Subscription Identifier", nz), 0x82);
}

#[test]
fn rejects_topic_alias_0_with_topic_alias_invalid() {
    // §3.3.4: "A Topic Alias value of 0 ... is a Protocol Error, the receiver
    // uses DISCONNECT with Reason Code of 0x94 (Topic Alias invalid)."
    let e = decode(&publish_with_props(&[0x23, 0, 0]), V5).unwrap_err();
    assert!(matches!(
        e,
        E::InvalidPropertyValue {
            name: "Topic Alias",
            value: 0,
            ..
        }
    ));
    assert_eq!(e.reason_code(), ReasonCode::TOPIC_ALIAS_INVALID);
}

#[test]
fn rejects_boolean_properties_other_than_0_or_1() {
    // "It is a Protocol Error to include ... a value other than 0 or 1."
    let e = |name| E::InvalidPropertyValue {
        name,
        value: 2,
        why: "it must be 0 or 1",
    };
    let b = publish_with_props(&[0x01, 2]);
    rejects(&b, V5, e("Payload Format Indicator"), 0x82);
    rejects(
        &connect_with_props(&[0x17, 2]),
        V5,
        e("Request Problem Information"),
        0x82,
    );
    rejects(
        &connect_with_props(&[0x19, 2]),
        V5,
        e("Request Response Information"),
        0x82,
    );
    for (id, name) in [
        (0x24, "Maximum QoS"),
        (0x25, "Retain Available"),
        (0x28, "Wildcard Subscription Available"),
        (0x29, "Subscription Identifier Available"),
        (0x2A, "Shared Subscription Available"),
    ] {
        rejects(&[0x20, 0x05, 0, 0, 2, id, 2], V5, e(name), 0x82);
    }
}

#[test]
fn payload_format_indicator_1_with_a_non_utf8_payload_is_reported_as_0x99() {
    // [MQTT-3.3.2-4]
    let mut b = publish_with_props(&[0x01, 1]);
    b.extend([0xFF, 0xFE]);
    b[1] += 2;
    let Ok(Packet::Publish(p)) = decode(&b, V5) else {
        panic!("the packet itself is well-formed")
    };
    let e = p.check_payload_format().unwrap_err();
    assert_eq!(e, E::PayloadFormatInvalid);
    assert_eq!(e.reason_code(), ReasonCode::PAYLOAD_FORMAT_INVALID);
    assert_eq!(e.spec_ref(true), Some("MQTT-3.3.2-4"));
    // Indicator 0 (bytes) accepts anything.
    let mut b = publish_with_props(&[0x01, 0]);
    b.extend([0xFF]);
    b[1] += 1;
    let Ok(Packet::Publish(p)) = decode(&b, V5) else {
        panic!()
    };
    assert_eq!(p.check_payload_format(), Ok(()));
}

// ---- Reason codes -----------------------------------------------------------

#[test]
fn rejects_reason_codes_not_allowed_in_the_packet() {
    // [MQTT-3.14.2-1] (DISCONNECT) and the reason-code tables of each packet.
    use PacketType as T;
    let cases: &[(&[u8], PacketType, u8)] = &[
        (&[0xE0, 1, 0x01], T::Disconnect, 0x01),
        (&[0xE0, 1, 0x84], T::Disconnect, 0x84),
        (&[0x40, 3, 0, 1, 0x01], T::PubAck, 0x01),
        (&[0x50, 3, 0, 1, 0x92], T::PubRec, 0x92),
        (&[0x62, 3, 0, 1, 0x10], T::PubRel, 0x10),
        (&[0x70, 3, 0, 1, 0x80], T::PubComp, 0x80),
        (&[0x90, 4, 0, 1, 0, 0x03], T::SubAck, 0x03),
        (&[0xB0, 4, 0, 1, 0, 0x01], T::UnsubAck, 0x01),
        (&[0x20, 3, 0, 0x01, 0], T::ConnAck, 0x01),
        (&[0xF0, 1, 0x01], T::Auth, 0x01),
    ];
    for &(bytes, packet, code) in cases {
        let e = E::InvalidReasonCode {
            packet,
            code: ReasonCode(code),
        };
        rejects(bytes, V5, e, 0x81);
    }
    let e = decode(&[0xE0, 1, 0x01], V5).unwrap_err();
    assert_eq!(e.spec_ref(true), Some("MQTT-3.14.2-1"));
}

#[test]
fn rejects_invalid_3_1_1_return_codes() {
    // §3.2.2.3: CONNACK return codes 6-255 are reserved; [MQTT-3.9.3-2]: SUBACK 0, 1, 2, 0x80.
    let e = E::InvalidReasonCode {
        packet: PacketType::ConnAck,
        code: ReasonCode(6),
    };
    rejects(&[0x20, 2, 0, 6], V4, e, 0x81);
    let e = E::InvalidReasonCode {
        packet: PacketType::SubAck,
        code: ReasonCode(0x81),
    };
    rejects(&[0x90, 3, 0, 1, 0x81], V4, e, 0x81);
}

#[test]
fn rejects_reserved_connack_flags() {
    // [MQTT-3.2.2-1] (5.0) / §3.2.2.1 (3.1.1): bits 7-1 are reserved.
    rejects(&[0x20, 2, 0x02, 0], V4, E::ConnAckReservedFlags, 0x81);
    rejects(&[0x20, 3, 0x80, 0, 0], V5, E::ConnAckReservedFlags, 0x81);
}
