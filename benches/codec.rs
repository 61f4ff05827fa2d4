//! Native codec benchmarks: encode and decode of PUBLISH (12-byte and 1 KiB
//! payloads), CONNECT and SUBSCRIBE, and streaming decode of many packets.
//!
//!     cargo bench --bench codec
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mqtt_lab::codec::*;
use std::hint::black_box;

fn publish(size: usize, qos: QoS) -> Packet {
    Packet::Publish(Publish {
        qos,
        packet_id: if qos == QoS::AtMostOnce { 0 } else { 42 },
        topic: "sensors/room12/temperature".into(),
        payload: Bytes::from(vec![b'a'; size]),
        ..Default::default()
    })
}

fn connect() -> Packet {
    Packet::Connect(Box::new(Connect {
        protocol: ProtocolVersion::V5,
        client_id: "mqtt-lab-bench-client".into(),
        username: Some("user".into()),
        password: Some(Bytes::from_static(b"secret")),
        will: Some(LastWill {
            topic: "clients/bench/status".into(),
            payload: Bytes::from_static(b"offline"),
            qos: QoS::AtLeastOnce,
            retain: true,
            properties: Properties {
                will_delay_interval: Some(5),
                ..Default::default()
            },
        }),
        properties: Properties {
            session_expiry_interval: Some(3600),
            receive_maximum: Some(100),
            ..Default::default()
        },
        ..Default::default()
    }))
}

fn subscribe() -> Packet {
    Packet::Subscribe(Subscribe {
        packet_id: 7,
        filters: ["sensors/+/temperature", "alerts/#", "clients/bench/inbox"]
            .iter()
            .map(|f| SubscribeFilter {
                filter: (*f).into(),
                options: SubscriptionOptions {
                    qos: QoS::AtLeastOnce,
                    ..Default::default()
                },
            })
            .collect(),
        properties: Properties::default(),
    })
}

fn cases() -> Vec<(&'static str, Packet)> {
    vec![
        ("publish-12B-qos0", publish(12, QoS::AtMostOnce)),
        ("publish-1KiB-qos1", publish(1024, QoS::AtLeastOnce)),
        ("connect-v5", connect()),
        ("subscribe-3", subscribe()),
    ]
}

fn bench_encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("encode");
    for (name, p) in cases() {
        for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
            let mut out = Vec::with_capacity(2048);
            g.throughput(Throughput::Elements(1));
            g.bench_with_input(BenchmarkId::new(name, v.level()), &p, |b, p| {
                b.iter(|| {
                    out.clear();
                    black_box(p).encode(v, &mut out).unwrap();
                    black_box(out.len())
                })
            });
        }
    }
    g.finish();
}

fn bench_decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    for (name, p) in cases() {
        for v in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
            let bytes = Bytes::from(p.to_bytes(v).unwrap());
            g.throughput(Throughput::Elements(1));
            g.bench_with_input(BenchmarkId::new(name, v.level()), &bytes, |b, bytes| {
                b.iter(|| black_box(Packet::decode(black_box(bytes.clone()), v).unwrap()))
            });
        }
    }
    g.finish();
}

fn bench_stream(c: &mut Criterion) {
    let mut g = c.benchmark_group("stream-decode");
    for size in [12usize, 1024] {
        let mut all = Vec::new();
        for i in 0..10_000u32 {
            let p = Packet::Publish(Publish {
                qos: QoS::AtLeastOnce,
                packet_id: (i % 65_535 + 1) as u16,
                topic: format!("sensors/room{}/temperature", i % 100),
                payload: Bytes::from(vec![b'a'; size]),
                ..Default::default()
            });
            p.encode(ProtocolVersion::V3_1_1, &mut all).unwrap();
        }
        g.throughput(Throughput::Bytes(all.len() as u64));
        g.bench_function(BenchmarkId::new("publish-qos1-64KiB-chunks", size), |b| {
            b.iter(|| {
                let mut d = Decoder::new(ProtocolVersion::V3_1_1);
                let mut n = 0;
                for chunk in all.chunks(64 * 1024) {
                    d.feed(chunk);
                    while let Some(p) = d.next().unwrap() {
                        black_box(&p);
                        n += 1;
                    }
                }
                assert_eq!(n, 10_000);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_encode, bench_decode, bench_stream);
criterion_main!(benches);
