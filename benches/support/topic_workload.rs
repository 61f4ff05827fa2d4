//! The router benchmark workload, shared by `benches/topic.rs` and
//! `examples/topic_lookups.rs`; `benches/topic_node.mjs` builds the same one in JavaScript.

/// The 100,000 filters; subscription `i` belongs to client `i`.
pub fn filters() -> Vec<String> {
    let mut out = Vec::with_capacity(100_000);
    // 90,000 exact filters: every building/floor/room/sensor combination.
    for b in 0..10 {
        for f in 0..10 {
            for r in 0..30 {
                for s in 0..30 {
                    out.push(format!("building/{b}/floor/{f}/room/{r}/sensor/{s}"));
                }
            }
        }
    }
    // 8,000 filters with '+'.
    for i in 0..8_000 {
        let (b, f, r, s) = (i % 10, (i / 10) % 10, (i / 100) % 30, (i / 7) % 30);
        out.push(match i % 3 {
            0 => format!("building/{b}/floor/+/room/{r}/sensor/{s}"),
            1 => format!("building/+/floor/{f}/room/{r}/sensor/+"),
            _ => format!("building/{b}/floor/{f}/room/+/sensor/{s}"),
        });
    }
    // 2,000 filters with '#': 100 whole buildings, the rest single rooms.
    for i in 0..2_000 {
        let (b, f, r) = (i % 10, (i / 10) % 10, (i / 100) % 30);
        out.push(match i % 20 {
            0 => format!("building/{b}/#"),
            _ => format!("building/{b}/floor/{f}/room/{r}/#"),
        });
    }
    out
}

/// 1,000 topics; buildings 10 and 11, floor 10 and rooms/sensors 30 are not
/// subscribed exactly, so some topics match only wildcards or nothing.
pub fn topics() -> Vec<String> {
    (0..1_000)
        .map(|k| {
            let (b, f, r, s) = (k % 12, (k * 3) % 11, (k * 7) % 31, (k * 13) % 31);
            format!("building/{b}/floor/{f}/room/{r}/sensor/{s}")
        })
        .collect()
}
