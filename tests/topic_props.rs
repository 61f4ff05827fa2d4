//! Property tests: the matcher, the router and the retained store against the obvious
//! split-and-compare matcher.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;

use mqtt_lab::codec::{QoS, SubscriptionOptions};
use mqtt_lab::topic::{topic_matches, RetainedLimits, RetainedStore, Router};
use proptest::prelude::*;

/// The definition, written as plainly as possible.
fn naive_matches(filter: &str, topic: &str) -> bool {
    let mut f: Vec<&str> = filter.split('/').collect();
    if f[0] == "$share" && f.len() > 1 {
        // "$share/{ShareName}/{filter}": a non-empty name without wildcards, then a filter.
        let name = f[1];
        if f.len() < 3 || name.is_empty() || name.contains(['+', '#']) || f[2..] == [""] {
            return false;
        }
        f.drain(..2);
    }
    let t: Vec<&str> = topic.split('/').collect();
    if topic.starts_with('$') && (f[0] == "+" || f[0] == "#") {
        return false;
    }
    for i in 0..f.len() {
        if f[i] == "#" {
            return i == f.len() - 1 && t.len() >= i;
        }
        if i >= t.len() || (f[i] != "+" && f[i] != t[i]) {
            return false;
        }
    }
    f.len() == t.len()
}

const LEVELS: &[&str] = &[
    "a", "b", "A", "", "$SYS", "$share", "$", "sport", "a$", "x y", "é",
];

fn topic() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(LEVELS), 1..6)
        .prop_map(|l| l.join("/"))
        .prop_filter("names are not empty", |t| !t.is_empty())
}

fn filter() -> impl Strategy<Value = String> {
    let level = prop_oneof![
        3 => prop::sample::select(LEVELS),
        1 => Just("+"),
    ];
    (prop::collection::vec(level, 0..6), any::<bool>())
        .prop_map(|(mut l, hash)| {
            if hash || l.is_empty() {
                l.push("#");
            }
            l.join("/")
        })
        .prop_filter("filters are not empty", |f| !f.is_empty())
}

/// Filters without the `$share/` prefix, for models that ignore shared groups.
fn plain_filter() -> impl Strategy<Value = String> {
    filter().prop_filter("not shared", |f| !f.starts_with("$share/"))
}

proptest! {
    // 2,000 cases of 50 pairs: 100,000 (filter, topic) pairs.
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn matcher_agrees_with_naive_matcher(
        pairs in prop::collection::vec((filter(), topic()), 50)
    ) {
        for (f, t) in &pairs {
            prop_assert_eq!(topic_matches(f, t), naive_matches(f, t), "filter {:?} topic {:?}", f, t);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn router_agrees_with_naive_matcher(
        subs in prop::collection::vec((0u32..8, plain_filter(), 0u8..3), 0..40),
        topics in prop::collection::vec(topic(), 20),
    ) {
        let mut router = Router::new();
        let mut expected_subs: Vec<(u32, String, QoS)> = Vec::new();
        for (client, f, q) in &subs {
            let qos = QoS::from_u8(*q).unwrap();
            let opts = SubscriptionOptions { qos, ..Default::default() };
            router.subscribe(*client, f, opts, Some(*q as u32 + 1)).unwrap();
            expected_subs.retain(|(c, g, _)| !(c == client && g == f));
            expected_subs.push((*client, f.clone(), qos));
        }
        prop_assert_eq!(router.subscription_count(), expected_subs.len());
        for t in &topics {
            let got = router.matches(t);
            let mut want: Vec<(u32, QoS, Vec<u32>)> = Vec::new();
            let clients: BTreeSet<u32> = expected_subs.iter().map(|s| s.0).collect();
            for c in clients {
                let hits: Vec<&(u32, String, QoS)> = expected_subs
                    .iter()
                    .filter(|(sc, f, _)| *sc == c && naive_matches(f, t))
                    .collect();
                if let Some(max) = hits.iter().map(|h| h.2).max() {
                    let ids: BTreeSet<u32> = hits.iter().map(|h| h.2 as u32 + 1).collect();
                    want.push((c, max, ids.into_iter().collect()));
                }
            }
            // One match per client, in an order the router chooses.
            let mut got: Vec<(u32, QoS, Vec<u32>)> = got
                .into_iter()
                .map(|m| (m.client, m.qos, m.subscription_identifiers))
                .collect();
            got.sort();
            prop_assert_eq!(got, want, "topic {:?}", t);
        }
        // Unsubscribing everything leaves an empty trie.
        for (c, f, _) in &expected_subs {
            prop_assert!(router.unsubscribe(*c, f));
        }
        prop_assert_eq!(router.node_count(), 0);
    }

    #[test]
    fn router_agrees_with_naive_matcher_through_subscribes_and_unsubscribes(
        ops in prop::collection::vec((0u8..6, 0u32..4, plain_filter(), 0u8..3), 1..60),
        topics in prop::collection::vec(topic(), 6),
    ) {
        // Clients gain and lose subscriptions in every order, so the router's record of
        // which clients have several (whose matches it merges) is tested as it changes.
        let mut router = Router::new();
        let mut model: Vec<(u32, String, QoS)> = Vec::new();
        for (kind, client, f, q) in &ops {
            match kind {
                0..=2 => {
                    let qos = QoS::from_u8(*q).unwrap();
                    let opts = SubscriptionOptions { qos, ..Default::default() };
                    router.subscribe(*client, f, opts, Some(*q as u32 + 1)).unwrap();
                    model.retain(|(c, g, _)| !(c == client && g == f));
                    model.push((*client, f.clone(), qos));
                }
                3 | 4 if !model.is_empty() => {
                    let (c, g, _) = model.remove(f.len() % model.len());
                    prop_assert!(router.unsubscribe(c, &g));
                }
                5 => {
                    let before = model.len();
                    model.retain(|(c, _, _)| c != client);
                    prop_assert_eq!(router.unsubscribe_all(*client), before - model.len());
                }
                _ => {}
            }
            for t in &topics {
                let mut want: Vec<(u32, QoS, Vec<u32>)> = Vec::new();
                let clients: BTreeSet<u32> = model.iter().map(|s| s.0).collect();
                for c in clients {
                    let hits: Vec<&(u32, String, QoS)> = model
                        .iter()
                        .filter(|(sc, g, _)| *sc == c && naive_matches(g, t))
                        .collect();
                    if let Some(max) = hits.iter().map(|h| h.2).max() {
                        let ids: BTreeSet<u32> = hits.iter().map(|h| h.2 as u32 + 1).collect();
                        want.push((c, max, ids.into_iter().collect()));
                    }
                }
                let mut got: Vec<(u32, QoS, Vec<u32>)> = router
                    .matches(t)
                    .into_iter()
                    .map(|m| (m.client, m.qos, m.subscription_identifiers))
                    .collect();
                got.sort();
                prop_assert_eq!(&got, &want, "topic {:?}", t);
                prop_assert_eq!(router.match_count(t), want.len());
            }
        }
        prop_assert_eq!(router.subscription_count(), model.len());
    }

    #[test]
    fn retained_lookup_agrees_with_naive_matcher(
        topics in prop::collection::vec(topic(), 0..40),
        filters in prop::collection::vec(filter(), 20),
    ) {
        let mut store = RetainedStore::new(RetainedLimits::UNLIMITED);
        for t in &topics {
            store.set(t, t.clone().into_bytes()).unwrap();
        }
        let stored: BTreeSet<&String> = topics.iter().collect();
        prop_assert_eq!(store.len(), stored.len());
        for f in &filters {
            let mut got: Vec<&str> = match store.matching(f) {
                Ok(found) => found.into_iter().map(|(t, _)| t).collect(),
                // Only a malformed "$share/..." can be invalid here.
                Err(_) => {
                    prop_assert!(f.starts_with("$share/"), "{:?}", f);
                    Vec::new()
                }
            };
            got.sort();
            let want: Vec<&str> = stored.iter().filter(|t| naive_matches(f, t)).map(|t| t.as_str()).collect();
            prop_assert_eq!(got, want, "filter {:?}", f);
        }
        for t in &stored {
            prop_assert!(store.remove(t).is_some());
        }
        prop_assert_eq!(store.node_count(), 0);
    }
}
