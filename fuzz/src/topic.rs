//! Topic validation and matching.
//!
//! Input: text lines (bytes that are not UTF-8 are replaced). The first line
//! is a topic name; each later line is a filter, subscribed by client
//! `index % 4`. Checks: `topic_matches` agrees with a naive matcher written
//! from the specification's words, `explain_match` agrees with both, the
//! router delivers to exactly the clients and shared groups that match, and the
//! retained store finds the topic with exactly the filters that match it.

use mqtt_lab::codec::{QoS, SubscriptionOptions};
use mqtt_lab::topic::{
    explain_match, parse_topic_filter, topic_matches, validate_topic_filter, validate_topic_name,
    RetainedLimits, RetainedStore, Router,
};
use std::collections::BTreeSet;

/// The matching rules, level by level, as the specification words them
/// (3.1.1 §4.7, 5.0 §4.7), for a valid filter without `$share/` and a valid name.
fn naive(filter: &str, topic: &str) -> bool {
    // [MQTT-4.7.2-1]: wildcards at the start do not match `$` topics.
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let f: Vec<&str> = filter.split('/').collect();
    let t: Vec<&str> = topic.split('/').collect();
    fn go(f: &[&str], t: &[&str]) -> bool {
        match (f.first(), t.first()) {
            // `#` matches its parent and any number of levels below.
            (Some(&"#"), _) => true,
            (Some(&"+"), Some(_)) => go(&f[1..], &t[1..]),
            (Some(a), Some(b)) => a == b && go(&f[1..], &t[1..]),
            (None, None) => true,
            _ => false,
        }
    }
    go(&f, &t)
}

/// See the module docs.
pub fn topic(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let Some(topic) = lines.next() else {
        return;
    };
    let filters: Vec<&str> = lines.take(16).collect();
    let name_ok = validate_topic_name(topic).is_ok();

    let mut router: Router<u8> = Router::new();
    let mut want_clients = BTreeSet::new();
    let mut want_groups = BTreeSet::new();
    let mut store: RetainedStore<Vec<u8>> = RetainedStore::new(RetainedLimits::UNLIMITED);
    let stored = store.set(topic, Vec::new()).is_ok();
    assert_eq!(stored, name_ok, "the store takes exactly the valid names");

    for (i, &filter) in filters.iter().enumerate() {
        let parsed = parse_topic_filter(filter);
        assert_eq!(
            parsed.is_ok(),
            validate_topic_filter(filter).is_ok(),
            "parse and validate agree on {filter:?}"
        );
        let m = topic_matches(filter, topic);
        let e = explain_match(filter, topic);
        assert_eq!(e.matches, m, "explain_match({filter:?}, {topic:?})");
        let Ok(p) = parsed else {
            assert!(!m, "an invalid filter matches nothing");
            continue;
        };
        assert!(!p.filter.is_empty() || p.share_name.is_none());
        let expected = name_ok && naive(p.filter, topic);
        assert_eq!(m, expected, "topic_matches({filter:?}, {topic:?})");
        if name_ok {
            let found = store
                .matching(filter)
                .expect("a valid filter searches the store");
            assert_eq!(found.len(), usize::from(expected), "retained {filter:?}");
        }
        let client = (i % 4) as u8;
        let options = SubscriptionOptions {
            qos: QoS::AtLeastOnce,
            ..SubscriptionOptions::default()
        };
        router
            .subscribe(client, filter, options, None)
            .expect("the router takes a valid filter");
        if expected {
            match p.share_name {
                Some(share) => {
                    want_groups.insert((share.to_owned(), p.filter.to_owned()));
                }
                None => {
                    want_clients.insert(client);
                }
            }
        }
    }
    if !name_ok {
        return;
    }
    let matches = router.matches(topic);
    let got_clients: BTreeSet<u8> = matches
        .iter()
        .filter(|m| !m.shared)
        .map(|m| m.client)
        .collect();
    let plain = matches.iter().filter(|m| !m.shared).count();
    assert_eq!(plain, got_clients.len(), "one plain match per client");
    assert_eq!(got_clients, want_clients, "router clients for {topic:?}");
    let shared = matches.iter().filter(|m| m.shared).count();
    assert_eq!(shared, want_groups.len(), "one match per shared group");
    assert_eq!(router.match_count(topic), matches.len());
    // Removing every subscription leaves the router empty.
    for c in 0..4 {
        router.unsubscribe_all(c);
    }
    assert!(router.is_empty());
    assert!(router.matches(topic).is_empty());
}

/// Topics and filters that exercise each rule.
pub(crate) fn seeds() -> Vec<(String, Vec<u8>)> {
    let cases: &[(&str, &str)] = &[
        (
            "plain",
            "home/kitchen/temp\nhome/kitchen/temp\nhome/+/temp\nhome/#\n#\n+/+/+",
        ),
        (
            "dollar",
            "$SYS/broker/load\n#\n+/broker/load\n$SYS/#\n$SYS/+/load",
        ),
        ("empty-levels", "a//b/\na/+/b/+\na//#\n/+/+/\n+/#"),
        (
            "shared",
            "s/t\n$share/g/s/t\n$share/g/s/#\n$share/h/#\n$share/g/+/t\ns/t",
        ),
        (
            "invalid",
            "a/#/b\na/#/b\na+/b\n$share//x\n$share/g\n$share/g+/x\n#/a",
        ),
        (
            "parent",
            "sport/tennis\nsport/tennis/#\nsport/#\nsport/+\n+\n/+",
        ),
        ("unicode", "é/ß/日本\n+/ß/#\né/+/日本\n\u{1}/x"),
        ("nul", "a\u{0}b\na/#\n+"),
    ];
    cases
        .iter()
        .map(|(n, t)| ((*n).to_owned(), t.as_bytes().to_vec()))
        .collect()
}
