#![cfg(not(target_arch = "wasm32"))]
//! A first round trip of each packet type through the codec, both versions.
use bytes::Bytes;
use mqtt_lab::codec::*;

fn roundtrip(p: Packet, v: ProtocolVersion) -> Vec<u8> {
    let bytes = p.to_bytes(v).unwrap();
    assert_eq!(bytes.len(), p.encoded_len(v), "encoded_len of {p:?}");
    let back = Packet::decode(Bytes::from(bytes.clone()), v).unwrap();
    assert_eq!(back, p);
    bytes
}

#[test]
fn every_packet_type_round_trips_in_both_versions() {
    for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let mut props = Properties::default();
        if v.is_v5() {
            props.user_properties.push(("k".into(), "v".into()));
        }
        let packets = vec![
            Packet::Connect(Box::new(Connect {
                protocol: v,
                client_id: "c1".into(),
                will: Some(LastWill {
                    topic: "w".into(),
                    payload: Bytes::from_static(b"bye"),
                    qos: QoS::AtLeastOnce,
                    retain: true,
                    properties: props.clone(),
                }),
                username: Some("u".into()),
                password: Some(Bytes::from_static(b"p")),
                properties: props.clone(),
                ..Default::default()
            })),
            Packet::ConnAck(ConnAck {
                session_present: true,
                reason_code: ReasonCode(0),
                properties: props.clone(),
            }),
            Packet::Publish(Publish {
                qos: QoS::ExactlyOnce,
                packet_id: 7,
                topic: "a/b".into(),
                payload: Bytes::from_static(b"hi"),
                properties: props.clone(),
                ..Default::default()
            }),
            Packet::PubAck(PubResponse {
                packet_id: 7,
                reason_code: ReasonCode(0),
                properties: props.clone(),
            }),
            Packet::PubRec(PubResponse::new(7)),
            Packet::PubRel(PubResponse::new(7)),
            Packet::PubComp(PubResponse::new(7)),
            Packet::Subscribe(Subscribe {
                packet_id: 1,
                filters: vec![SubscribeFilter {
                    filter: "a/+".into(),
                    options: SubscriptionOptions {
                        qos: QoS::AtLeastOnce,
                        ..Default::default()
                    },
                }],
                properties: props.clone(),
            }),
            Packet::SubAck(SubAck {
                packet_id: 1,
                reason_codes: vec![ReasonCode(1)],
                properties: props.clone(),
            }),
            Packet::Unsubscribe(Unsubscribe {
                packet_id: 2,
                filters: vec!["a/+".into()],
                properties: props.clone(),
            }),
            Packet::UnsubAck(UnsubAck {
                packet_id: 2,
                reason_codes: if v.is_v5() {
                    vec![ReasonCode(0)]
                } else {
                    vec![]
                },
                properties: props.clone(),
            }),
            Packet::PingReq,
            Packet::PingResp,
            Packet::Disconnect(Disconnect {
                reason_code: ReasonCode(0),
                properties: props.clone(),
            }),
        ];
        for p in packets {
            roundtrip(p, v);
        }
    }
    roundtrip(
        Packet::Auth(Auth {
            reason_code: ReasonCode(0x18),
            properties: Properties {
                authentication_method: Some("SCRAM".into()),
                ..Default::default()
            },
        }),
        ProtocolVersion::V5,
    );
}
