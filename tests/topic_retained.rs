//! The retained-message store: set, replace, delete, wildcard lookup and limits.
#![cfg(not(target_arch = "wasm32"))]

use mqtt_lab::topic::{
    topic_matches, RetainedError, RetainedLimit, RetainedLimits, RetainedStore, TopicError,
};

fn store() -> RetainedStore<Vec<u8>> {
    RetainedStore::new(RetainedLimits::UNLIMITED)
}

fn topics(s: &RetainedStore<Vec<u8>>, filter: &str) -> Vec<String> {
    let mut t: Vec<String> = s
        .matching(filter)
        .unwrap()
        .into_iter()
        .map(|(t, _)| t.to_owned())
        .collect();
    t.sort();
    t
}

fn filled() -> RetainedStore<Vec<u8>> {
    let mut s = store();
    for t in [
        "sport",
        "sport/tennis",
        "sport/tennis/player1",
        "sport/tennis/player1/ranking",
        "sport/tennis/player2",
        "sport/golf",
        "/finance",
        "a//b",
        "a/",
        "$SYS/uptime",
        "$SYS/clients/count",
    ] {
        s.set(t, t.as_bytes().to_vec()).unwrap();
    }
    s
}

#[test]
fn looks_up_with_wildcards() {
    let s = filled();
    assert_eq!(
        topics(&s, "sport/tennis/player1/#"),
        ["sport/tennis/player1", "sport/tennis/player1/ranking"]
    );
    assert_eq!(
        topics(&s, "sport/tennis/+"),
        ["sport/tennis/player1", "sport/tennis/player2"]
    );
    assert_eq!(topics(&s, "sport/+"), ["sport/golf", "sport/tennis"]);
    assert_eq!(
        topics(&s, "+/+"),
        ["/finance", "a/", "sport/golf", "sport/tennis"]
    );
    assert_eq!(topics(&s, "/+"), ["/finance"]);
    assert_eq!(topics(&s, "a/+/b"), ["a//b"]);
    assert_eq!(topics(&s, "sport/tennis"), ["sport/tennis"]);
    assert!(topics(&s, "Sport/#").is_empty());
    assert_eq!(topics(&s, "$share/g/sport/golf"), ["sport/golf"]);
}

#[test]
fn wildcards_skip_dollar_topics() {
    // [MQTT-4.7.2-1]
    let s = filled();
    let all = topics(&s, "#");
    assert_eq!(all.len(), 9);
    assert!(all.iter().all(|t| !t.starts_with('$')));
    assert!(topics(&s, "+/uptime").is_empty());
    assert_eq!(topics(&s, "$SYS/#"), ["$SYS/clients/count", "$SYS/uptime"]);
    assert_eq!(topics(&s, "$SYS/+"), ["$SYS/uptime"]);
}

#[test]
fn lookup_agrees_with_topic_matches() {
    let s = filled();
    let all: Vec<String> = topics(&s, "#")
        .into_iter()
        .chain(topics(&s, "$SYS/#"))
        .collect();
    for f in [
        "#",
        "+",
        "+/#",
        "+/+/#",
        "sport/+/+",
        "a/#",
        "+/",
        "$SYS/+/+",
        "/#",
    ] {
        let want: Vec<String> = all
            .iter()
            .filter(|t| topic_matches(f, t))
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(topics(&s, f), want, "{f}");
    }
}

#[test]
fn replaces_and_counts_bytes() {
    let mut s = store();
    assert_eq!(s.set("a/b", vec![1, 2, 3]), Ok(None));
    assert_eq!(s.bytes(), 6);
    assert_eq!(s.set("a/b", vec![9]), Ok(Some(vec![1, 2, 3])));
    assert_eq!(s.len(), 1);
    assert_eq!(s.bytes(), 4);
    assert_eq!(s.get("a/b"), Some(&vec![9]));
    assert_eq!(s.get("a"), None);
}

#[test]
fn empty_payload_removes_and_frees_nodes() {
    // [MQTT-3.3.1-10] (3.1.1), [MQTT-3.3.1-6] (5.0): the broker calls remove.
    let mut s = filled();
    let before = s.node_count();
    s.set("x/y/z", vec![1]).unwrap();
    assert_eq!(s.remove("x/y/z"), Some(vec![1]));
    assert_eq!(s.remove("x/y/z"), None);
    assert_eq!(s.node_count(), before);
    assert_eq!(s.remove("sport"), Some(b"sport".to_vec()));
    assert_eq!(topics(&s, "sport/#").len(), 5, "children stay");
    for t in topics(&s, "#").into_iter().chain(topics(&s, "$SYS/#")) {
        assert!(s.remove(&t).is_some());
    }
    assert!(s.is_empty());
    assert_eq!((s.bytes(), s.node_count()), (0, 0));
}

#[test]
fn refuses_a_new_topic_past_max_messages() {
    let mut s = RetainedStore::new(RetainedLimits {
        max_messages: 2,
        max_bytes: 1000,
    });
    s.set("a", vec![]).unwrap();
    s.set("b", vec![]).unwrap();
    let e = s.set("c", vec![]).unwrap_err();
    assert_eq!(
        e,
        RetainedError::Full {
            limit: RetainedLimit::Messages,
            max: 2,
            needed: 3
        }
    );
    assert_eq!(e.reason_code(), 0x97);
    assert!(e.to_string().contains("at most 2 messages"), "{e}");
    // Replacing an existing topic is still allowed.
    assert!(s.set("a", vec![1]).is_ok());
    assert_eq!(s.len(), 2);
    assert_eq!(s.node_count(), 2);
}

#[test]
fn refuses_a_message_past_max_bytes() {
    let mut s = RetainedStore::new(RetainedLimits {
        max_messages: 100,
        max_bytes: 10,
    });
    s.set("a", vec![0; 5]).unwrap(); // 6 bytes
    let e = s.set("b", vec![0; 4]).unwrap_err(); // would be 11
    assert_eq!(
        e,
        RetainedError::Full {
            limit: RetainedLimit::Bytes,
            max: 10,
            needed: 11
        }
    );
    assert!(e.to_string().contains("at most 10 bytes"), "{e}");
    // A smaller replacement fits because the old size is given back.
    assert!(s.set("a", vec![0; 1]).is_ok());
    assert!(s.set("b", vec![0; 4]).is_ok());
    assert_eq!(s.bytes(), 7);
}

#[test]
fn rejects_invalid_topic_names() {
    let mut s = store();
    let e = s.set("a/+", vec![1]).unwrap_err();
    assert!(matches!(
        e,
        RetainedError::InvalidTopic(TopicError::WildcardInName { .. })
    ));
    assert_eq!(e.reason_code(), 0x90);
    assert!(s.matching("a/#/b").is_err());
    assert_eq!(s.node_count(), 0);
}

#[test]
fn no_growth_after_many_set_remove_cycles() {
    let mut s = store();
    for i in 0..500 {
        let t = format!("house/{}/room/{}", i % 13, i);
        s.set(&t, vec![0; 10]).unwrap();
        assert_eq!(s.matching("house/+/room/+").unwrap().len(), 1);
        assert!(s.remove(&t).is_some());
        assert_eq!(s.node_count(), 0);
    }
}
