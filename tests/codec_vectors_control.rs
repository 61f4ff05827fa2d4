//! Byte vectors for SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP,
//! DISCONNECT and AUTH in MQTT 3.1.1 and 5.0, written out by hand from the
//! specifications' figures and field descriptions (the other packet types are
//! in codec_vectors.rs). For each one:
//! decode gives the expected packet, encode gives the exact bytes, and
//! `encoded_len` equals the byte count.
#![cfg(not(target_arch = "wasm32"))]
use mqtt_lab::codec::*;

mod codec_common;
use codec_common::*;

// ---- SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK -------------------------------

fn filter(f: &str, qos: QoS) -> SubscribeFilter {
    SubscribeFilter {
        filter: f.into(),
        options: SubscriptionOptions {
            qos,
            ..Default::default()
        },
    }
}

#[test]
fn subscribe_and_suback_3_1_1_payload_examples() {
    // §3.8.3 example: "a/b" QoS 1, "c/d" QoS 2.
    #[rustfmt::skip]
    let bytes = [
        0x82, 0x0E,                         // SUBSCRIBE, Remaining Length 14
        0x00, 0x0A,                         // Packet Identifier 10
        0x00, 0x03, b'a', b'/', b'b', 0x01, // "a/b", Requested QoS 1
        0x00, 0x03, b'c', b'/', b'd', 0x02, // "c/d", Requested QoS 2
    ];
    let expected = Subscribe {
        packet_id: 10,
        filters: vec![
            filter("a/b", QoS::AtLeastOnce),
            filter("c/d", QoS::ExactlyOnce),
        ],
        properties: Properties::default(),
    };
    vector(&bytes, V4, Packet::Subscribe(expected));
    // §3.9.3 example: granted QoS 0, 1, 2 and Failure 0x80.
    let expected = SubAck {
        packet_id: 10,
        reason_codes: [0x00, 0x01, 0x02, 0x80].map(ReasonCode).to_vec(),
        properties: Properties::default(),
    };
    let bytes = [0x90, 0x06, 0x00, 0x0A, 0x00, 0x01, 0x02, 0x80];
    vector(&bytes, V4, Packet::SubAck(expected));
}

#[test]
fn subscribe_and_suback_5_0_with_options_and_properties() {
    #[rustfmt::skip]
    let bytes = [
        0x82, 0x20,                         // SUBSCRIBE, Remaining Length 32
        0x00, 0x0A,                         // Packet Identifier 10
        0x0A,                               // Property Length 10
        0x0B, 0x80, 0x01,                   //   Subscription Identifier 128
        0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v', // User Property k=v
        0x00, 0x03, b'a', b'/', b'b',       // "a/b"
        0x2D,                               //   Retain Handling 2, RAP, No Local, QoS 1
        0x00, 0x0A, b'$', b's', b'h', b'a', b'r', b'e', b'/', b'g', b'/', b'c',
        0x1A,                               //   Retain Handling 1, RAP, QoS 2
    ];
    let expected = Subscribe {
        packet_id: 10,
        filters: vec![
            SubscribeFilter {
                filter: "a/b".into(),
                options: SubscriptionOptions {
                    qos: QoS::AtLeastOnce,
                    no_local: true,
                    retain_as_published: true,
                    retain_handling: RetainHandling::DoNotSend,
                },
            },
            SubscribeFilter {
                filter: "$share/g/c".into(),
                options: SubscriptionOptions {
                    qos: QoS::ExactlyOnce,
                    no_local: false,
                    retain_as_published: true,
                    retain_handling: RetainHandling::SendIfNew,
                },
            },
        ],
        properties: Properties {
            subscription_identifiers: vec![128],
            user_properties: user("k", "v"),
            ..Default::default()
        },
    };
    vector(&bytes, V5, Packet::Subscribe(expected));
    #[rustfmt::skip]
    let bytes = [
        0x90, 0x14,                         // SUBACK, Remaining Length 20
        0x00, 0x0A,                         // Packet Identifier 10
        0x05, 0x1F, 0x00, 0x02, b'o', b'k', // Reason String "ok"
        0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2,
    ];
    let codes = [
        0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2,
    ];
    let expected = SubAck {
        packet_id: 10,
        reason_codes: codes.map(ReasonCode).to_vec(),
        properties: Properties {
            reason_string: Some("ok".into()),
            ..Default::default()
        },
    };
    vector(&bytes, V5, Packet::SubAck(expected));
}

#[test]
fn unsubscribe_and_unsuback_in_both_versions() {
    // 3.1.1 §3.10.3 example: "a/b", "c/d".
    #[rustfmt::skip]
    let bytes = [
        0xA2, 0x0C, 0x00, 0x0A,
        0x00, 0x03, b'a', b'/', b'b',
        0x00, 0x03, b'c', b'/', b'd',
    ];
    let mut expected = Unsubscribe {
        packet_id: 10,
        filters: vec!["a/b".into(), "c/d".into()],
        properties: Properties::default(),
    };
    vector(&bytes, V4, Packet::Unsubscribe(expected.clone()));
    vector(
        &[0xB0, 0x02, 0x00, 0x0A],
        V4,
        Packet::UnsubAck(UnsubAck {
            packet_id: 10,
            ..Default::default()
        }),
    );
    #[rustfmt::skip]
    let bytes = [
        0xA2, 0x14, 0x00, 0x0A,
        0x07, 0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v', // User Property k=v
        0x00, 0x03, b'a', b'/', b'b',
        0x00, 0x03, b'c', b'/', b'd',
    ];
    expected.properties.user_properties = user("k", "v");
    vector(&bytes, V5, Packet::Unsubscribe(expected));
    #[rustfmt::skip]
    let bytes = [
        0xB0, 0x0A, 0x00, 0x0A,
        0x00,                                     // no properties
        0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91, // every UNSUBACK reason code
    ];
    let expected = UnsubAck {
        packet_id: 10,
        reason_codes: [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91]
            .map(ReasonCode)
            .to_vec(),
        properties: Properties::default(),
    };
    vector(&bytes, V5, Packet::UnsubAck(expected));
}

// ---- PINGREQ, PINGRESP, DISCONNECT, AUTH ------------------------------------

#[test]
fn pings_and_disconnect_3_1_1() {
    vector(&[0xC0, 0x00], V4, Packet::PingReq);
    vector(&[0xD0, 0x00], V4, Packet::PingResp);
    vector(&[0xE0, 0x00], V4, Packet::Disconnect(Disconnect::default()));
}

#[test]
fn pings_and_disconnect_5_0_short_forms_and_full_form() {
    vector(&[0xC0, 0x00], V5, Packet::PingReq);
    vector(&[0xD0, 0x00], V5, Packet::PingResp);
    // §3.14.2.1: Remaining Length 0 means Normal disconnection.
    vector(&[0xE0, 0x00], V5, Packet::Disconnect(Disconnect::default()));
    let with_will = Disconnect {
        reason_code: ReasonCode::DISCONNECT_WITH_WILL,
        ..Default::default()
    };
    vector(&[0xE0, 0x01, 0x04], V5, Packet::Disconnect(with_will));
    #[rustfmt::skip]
    let bytes = [
        0xE0, 0x16,                         // DISCONNECT, Remaining Length 22
        0x9C,                               // Use another server
        0x14,                               // Property Length 20
        0x11, 0x00, 0x00, 0x00, 0x00,       //   Session Expiry Interval 0
        0x1C, 0x00, 0x01, b's',             //   Server Reference "s"
        0x1F, 0x00, 0x01, b'x',             //   Reason String "x"
        0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v', // User Property k=v
    ];
    let expected = Disconnect {
        reason_code: ReasonCode::USE_ANOTHER_SERVER,
        properties: Properties {
            session_expiry_interval: Some(0),
            server_reference: Some("s".into()),
            reason_string: Some("x".into()),
            user_properties: user("k", "v"),
            ..Default::default()
        },
    };
    vector(&bytes, V5, Packet::Disconnect(expected));
}

#[test]
fn auth_5_0_short_form_and_full_form() {
    // §3.15.2.1: Remaining Length 0 means Success with no properties.
    vector(&[0xF0, 0x00], V5, Packet::Auth(Auth::default()));
    #[rustfmt::skip]
    let bytes = [
        0xF0, 0x1A,                         // AUTH, Remaining Length 26
        0x18,                               // Continue authentication
        0x18,                               // Property Length 24
        0x15, 0x00, 0x05, b'S', b'C', b'R', b'A', b'M', // Authentication Method
        0x16, 0x00, 0x02, 0x01, 0x02,       //   Authentication Data 01 02
        0x1F, 0x00, 0x01, b'x',             //   Reason String "x"
        0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v', // User Property k=v
    ];
    let expected = Auth {
        reason_code: ReasonCode::CONTINUE_AUTHENTICATION,
        properties: Properties {
            authentication_method: Some("SCRAM".into()),
            authentication_data: Some(b(&[1, 2])),
            reason_string: Some("x".into()),
            user_properties: user("k", "v"),
            ..Default::default()
        },
    };
    vector(&bytes, V5, Packet::Auth(expected));
    // AUTH does not exist in 3.1.1, either way.
    assert!(matches!(
        Packet::Auth(Auth::default()).to_bytes(V4),
        Err(EncodeError::Invalid(DecodeError::NotInVersion { .. }))
    ));
}
