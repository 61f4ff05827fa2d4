//! Valid packets of every type for each protocol version: the seeds of the
//! corpora, so the fuzzer starts from inputs that reach deep into the code.

use mqtt_lab::codec::{
    Auth, ConnAck, Connect, Disconnect, LastWill, Packet, Properties, ProtocolVersion, PubResponse,
    Publish, QoS, ReasonCode, RetainHandling, SubAck, Subscribe, SubscribeFilter,
    SubscriptionOptions, UnsubAck, Unsubscribe,
};

/// The versions the codec speaks.
pub const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V3_1,
    ProtocolVersion::V3_1_1,
    ProtocolVersion::V5,
];

/// Properties that every packet type may carry (5.0), so the seeds reach the
/// property decoder; empty for 3.1.x.
fn diag(v: ProtocolVersion) -> Properties {
    if !v.is_v5() {
        return Properties::default();
    }
    Properties {
        reason_string: Some("why".into()),
        user_properties: vec![("k".into(), "v".into())],
        ..Properties::default()
    }
}

/// A CONNECT as `v` sends it, with a Will, credentials and (5.0) properties.
pub fn connect(v: ProtocolVersion, client_id: &str, clean: bool, keep_alive: u16) -> Connect {
    let v5 = v.is_v5();
    let will_props = if v5 {
        Properties {
            will_delay_interval: Some(1),
            message_expiry_interval: Some(60),
            content_type: Some("text/plain".into()),
            payload_format_indicator: Some(1),
            ..Properties::default()
        }
    } else {
        Properties::default()
    };
    let props = if v5 {
        Properties {
            session_expiry_interval: Some(30),
            receive_maximum: Some(4),
            maximum_packet_size: Some(4096),
            topic_alias_maximum: Some(4),
            request_problem_information: Some(1),
            request_response_information: Some(0),
            user_properties: vec![("k".into(), "v".into())],
            ..Properties::default()
        }
    } else {
        Properties::default()
    };
    Connect {
        protocol: v,
        clean_start: clean,
        keep_alive,
        client_id: client_id.into(),
        will: Some(LastWill {
            topic: "will/t".into(),
            payload: b"gone".to_vec().into(),
            qos: QoS::AtLeastOnce,
            retain: true,
            properties: will_props,
        }),
        username: Some("user".into()),
        password: Some(b"pass".to_vec().into()),
        properties: props,
    }
}

/// A PUBLISH of `payload` to `topic`.
pub fn publish(v: ProtocolVersion, topic: &str, qos: QoS, id: u16, retain: bool) -> Publish {
    let properties = if v.is_v5() {
        Properties {
            payload_format_indicator: Some(1),
            message_expiry_interval: Some(30),
            content_type: Some("text/plain".into()),
            response_topic: Some("reply/to".into()),
            correlation_data: Some(b"c".to_vec().into()),
            user_properties: vec![("k".into(), "v".into())],
            ..Properties::default()
        }
    } else {
        Properties::default()
    };
    Publish {
        dup: false,
        qos,
        retain,
        topic: topic.into(),
        packet_id: if qos == QoS::AtMostOnce { 0 } else { id },
        payload: b"21.5".to_vec().into(),
        properties,
    }
}

/// A SUBSCRIBE to `filters`, with every option used in 5.0.
pub fn subscribe(v: ProtocolVersion, id: u16, filters: &[(&str, QoS)]) -> Subscribe {
    let v5 = v.is_v5();
    Subscribe {
        packet_id: id,
        filters: filters
            .iter()
            .map(|&(f, qos)| SubscribeFilter {
                filter: f.into(),
                options: SubscriptionOptions {
                    qos,
                    no_local: v5 && !f.starts_with("$share/") && qos == QoS::ExactlyOnce,
                    retain_as_published: v5,
                    retain_handling: if v5 {
                        RetainHandling::SendIfNew
                    } else {
                        RetainHandling::SendAtSubscribe
                    },
                },
            })
            .collect(),
        properties: if v5 {
            Properties {
                subscription_identifiers: vec![7],
                user_properties: vec![("k".into(), "v".into())],
                ..Properties::default()
            }
        } else {
            Properties::default()
        },
    }
}

fn response(v: ProtocolVersion, id: u16) -> PubResponse {
    PubResponse {
        packet_id: id,
        reason_code: ReasonCode::SUCCESS,
        properties: diag(v),
    }
}

/// One packet of every type `v` has (AUTH only in 5.0), in the order a session uses them.
pub fn every_packet(v: ProtocolVersion) -> Vec<Packet> {
    let v5 = v.is_v5();
    let mut out = vec![
        Packet::Connect(Box::new(connect(v, "c1", true, 30))),
        Packet::ConnAck(ConnAck {
            session_present: false,
            reason_code: ReasonCode::SUCCESS,
            properties: if v5 {
                Properties {
                    receive_maximum: Some(4),
                    topic_alias_maximum: Some(4),
                    assigned_client_identifier: Some("auto-1".into()),
                    server_keep_alive: Some(20),
                    maximum_packet_size: Some(4096),
                    ..diag(v)
                }
            } else {
                Properties::default()
            },
        }),
        Packet::Publish(publish(v, "home/kitchen/temp", QoS::AtMostOnce, 0, false)),
        Packet::Publish(publish(v, "home/kitchen/temp", QoS::AtLeastOnce, 1, true)),
        Packet::Publish(publish(v, "home/hall/temp", QoS::ExactlyOnce, 2, false)),
        Packet::PubAck(response(v, 1)),
        Packet::PubRec(response(v, 2)),
        Packet::PubRel(response(v, 2)),
        Packet::PubComp(response(v, 2)),
        Packet::Subscribe(subscribe(
            v,
            3,
            &[
                ("home/+/temp", QoS::AtLeastOnce),
                ("home/#", QoS::ExactlyOnce),
                ("$share/g/home/#", QoS::AtMostOnce),
            ],
        )),
        Packet::SubAck(SubAck {
            packet_id: 3,
            reason_codes: vec![ReasonCode(1), ReasonCode(2), ReasonCode(0x80)],
            properties: diag(v),
        }),
        Packet::Unsubscribe(Unsubscribe {
            packet_id: 4,
            filters: vec!["home/#".into(), "a/b".into()],
            properties: if v5 {
                Properties {
                    user_properties: vec![("k".into(), "v".into())],
                    ..Properties::default()
                }
            } else {
                Properties::default()
            },
        }),
        Packet::UnsubAck(UnsubAck {
            packet_id: 4,
            reason_codes: if v5 {
                vec![ReasonCode::SUCCESS, ReasonCode::NO_SUBSCRIPTION_EXISTED]
            } else {
                Vec::new()
            },
            properties: diag(v),
        }),
        Packet::PingReq,
        Packet::PingResp,
        Packet::Disconnect(Disconnect {
            reason_code: if v5 {
                ReasonCode::DISCONNECT_WITH_WILL
            } else {
                ReasonCode::SUCCESS
            },
            properties: if v5 {
                Properties {
                    session_expiry_interval: Some(0),
                    ..diag(v)
                }
            } else {
                Properties::default()
            },
        }),
    ];
    if v5 {
        out.push(Packet::Auth(Auth {
            reason_code: ReasonCode(0x18),
            properties: Properties {
                authentication_method: Some("SCRAM-SHA-1".into()),
                authentication_data: Some(b"data".to_vec().into()),
                ..diag(v)
            },
        }));
    }
    out
}

/// `p` encoded in `v`; the samples are valid by construction.
pub fn bytes(p: &Packet, v: ProtocolVersion) -> Vec<u8> {
    p.to_bytes(v)
        .unwrap_or_else(|e| panic!("sample {:?} does not encode in {v}: {e}", p.packet_type()))
}
