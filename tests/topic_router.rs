//! The subscription router: combining overlapping subscriptions, shared groups,
//! listing, and freeing nodes.
#![cfg(not(target_arch = "wasm32"))]

use mqtt_lab::codec::{QoS, RetainHandling, SubscriptionOptions};
use mqtt_lab::topic::{Match, Router, SubscribeOutcome, TopicError};

fn qos(q: QoS) -> SubscriptionOptions {
    SubscriptionOptions {
        qos: q,
        ..Default::default()
    }
}

/// The clients of some matches, sorted (the router returns them in an order of its own).
fn clients(matches: &[Match<u32>]) -> Vec<u32> {
    let mut clients: Vec<u32> = matches.iter().map(|m| m.client).collect();
    clients.sort();
    clients
}

#[test]
fn matches_exact_plus_and_hash_subscriptions() {
    let mut r = Router::new();
    r.subscribe(1, "home/kitchen/temp", qos(QoS::AtMostOnce), None)
        .unwrap();
    r.subscribe(2, "home/+/temp", qos(QoS::AtMostOnce), None)
        .unwrap();
    r.subscribe(3, "home/#", qos(QoS::AtMostOnce), None)
        .unwrap();
    r.subscribe(4, "garden/#", qos(QoS::AtMostOnce), None)
        .unwrap();
    assert_eq!(clients(&r.matches("home/kitchen/temp")), [1, 2, 3]);
    assert_eq!(clients(&r.matches("home/hall/temp")), [2, 3]);
    // "sport/#" also matches "sport" (3.1.1 §4.7.1.2, 5.0 §4.7.1.2).
    assert_eq!(clients(&r.matches("home")), [3]);
    assert!(r.matches("homes").is_empty());
}

#[test]
fn dollar_topics_skip_leading_wildcards() {
    // [MQTT-4.7.2-1]
    let mut r = Router::new();
    r.subscribe(1, "#", qos(QoS::AtMostOnce), None).unwrap();
    r.subscribe(2, "+/monitor/Clients", qos(QoS::AtMostOnce), None)
        .unwrap();
    r.subscribe(3, "$SYS/#", qos(QoS::AtMostOnce), None)
        .unwrap();
    r.subscribe(4, "$SYS/monitor/+", qos(QoS::AtMostOnce), None)
        .unwrap();
    assert_eq!(clients(&r.matches("$SYS/monitor/Clients")), [3, 4]);
    assert_eq!(clients(&r.matches("x/monitor/Clients")), [1, 2]);
}

#[test]
fn one_match_per_client_with_max_qos_and_all_identifiers() {
    // [MQTT-3.3.4-2] max QoS; [MQTT-3.3.4-3] all Subscription Identifiers.
    let mut r = Router::new();
    r.subscribe(7, "a/+", qos(QoS::AtMostOnce), Some(5))
        .unwrap();
    r.subscribe(7, "a/#", qos(QoS::ExactlyOnce), Some(2))
        .unwrap();
    r.subscribe(7, "a/b", qos(QoS::AtLeastOnce), None).unwrap();
    r.subscribe(7, "+/b", qos(QoS::AtMostOnce), Some(5))
        .unwrap();
    let m = r.matches("a/b");
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].qos, QoS::ExactlyOnce);
    assert_eq!(m[0].subscription_identifiers, [2, 5]);
    assert!(!m[0].shared);
}

#[test]
fn combines_no_local_with_and_and_retain_as_published_with_or() {
    let mut r = Router::new();
    let nl = SubscriptionOptions {
        no_local: true,
        ..Default::default()
    };
    let rap = SubscriptionOptions {
        retain_as_published: true,
        ..Default::default()
    };
    r.subscribe(1, "a/b", nl, None).unwrap();
    r.subscribe(1, "a/+", nl, None).unwrap();
    assert!(r.matches("a/b")[0].no_local);
    r.subscribe(1, "#", rap, None).unwrap();
    let m = &r.matches("a/b")[0];
    assert!(
        !m.no_local,
        "one subscription without No Local still wants it"
    );
    assert!(m.retain_as_published);
}

#[test]
fn resubscribing_replaces_options() {
    // [MQTT-3.8.4-3]
    let mut r = Router::new();
    assert_eq!(
        r.subscribe(1, "a", qos(QoS::AtMostOnce), None),
        Ok(SubscribeOutcome::New)
    );
    assert_eq!(
        r.subscribe(1, "a", qos(QoS::AtLeastOnce), Some(9)),
        Ok(SubscribeOutcome::Replaced {
            previous: qos(QoS::AtMostOnce)
        })
    );
    assert_eq!(r.subscription_count(), 1);
    let m = r.matches("a");
    assert_eq!(m[0].qos, QoS::AtLeastOnce);
    assert_eq!(m[0].subscription_identifiers, [9]);
}

#[test]
fn rejects_invalid_filters_without_changing_anything() {
    let mut r = Router::<u32>::new();
    let e = r
        .subscribe(1, "a/#/b", SubscriptionOptions::default(), None)
        .unwrap_err();
    assert!(matches!(e, TopicError::HashNotLast { level: 2, .. }));
    assert_eq!(e.reason_code(), 0x8F);
    assert_eq!(r.node_count(), 0);
    assert!(r.is_empty());
}

#[test]
fn unsubscribe_needs_the_exact_filter() {
    let mut r = Router::new();
    r.subscribe(1, "a/+", qos(QoS::AtMostOnce), None).unwrap();
    assert!(!r.unsubscribe(1, "a/b"));
    assert!(!r.unsubscribe(2, "a/+"));
    assert!(!r.unsubscribe(1, "a/#/b"));
    assert!(r.unsubscribe(1, "a/+"));
    assert!(!r.unsubscribe(1, "a/+"));
    assert!(r.matches("a/b").is_empty());
}

#[test]
fn unsubscribe_all_removes_only_that_client() {
    let mut r = Router::new();
    for f in ["a", "a/+", "$share/g/a", "#"] {
        r.subscribe(1, f, qos(QoS::AtMostOnce), None).unwrap();
        r.subscribe(2, f, qos(QoS::AtMostOnce), None).unwrap();
    }
    assert_eq!(r.unsubscribe_all(1), 4);
    assert_eq!(r.unsubscribe_all(1), 0);
    assert_eq!(r.subscription_count(), 4);
    assert!(r.subscriptions_of(1).is_empty());
    assert!(r.matches("a").iter().all(|m| m.client == 2));
    assert_eq!(r.unsubscribe_all(2), 4);
    assert_eq!(r.node_count(), 0);
}

#[test]
fn lists_subscriptions_of_a_client_sorted_by_filter() {
    let mut r = Router::new();
    let o = SubscriptionOptions {
        qos: QoS::AtLeastOnce,
        retain_handling: RetainHandling::DoNotSend,
        ..Default::default()
    };
    r.subscribe(1, "z/#", o, Some(3)).unwrap();
    r.subscribe(1, "$share/g/x", qos(QoS::AtMostOnce), None)
        .unwrap();
    let subs = r.subscriptions_of(1);
    assert_eq!(subs.len(), 2);
    assert_eq!(subs[0].filter, "$share/g/x");
    assert_eq!(subs[1].filter, "z/#");
    assert_eq!(subs[1].options, o);
    assert_eq!(subs[1].subscription_identifier, Some(3));
    assert_eq!(r.client_count(), 1);
}

#[test]
fn node_count_returns_to_empty_after_many_cycles() {
    let mut r = Router::new();
    assert_eq!(r.node_count(), 0);
    for cycle in 0..200u32 {
        let filters = [
            format!("building/{}/floor/{}/#", cycle % 7, cycle % 3),
            format!("+/{}/+", cycle),
            "#".to_string(),
            format!("$share/g{}/a/{}", cycle % 2, cycle),
            format!("a//{}/", cycle),
        ];
        for (i, f) in filters.iter().enumerate() {
            r.subscribe(i as u32, f, qos(QoS::AtMostOnce), Some(cycle + 1))
                .unwrap();
        }
        assert!(r.node_count() > 0);
        assert!(!r.matches(&format!("a/{cycle}")).is_empty());
        for (i, f) in filters.iter().enumerate() {
            assert!(r.unsubscribe(i as u32, f), "{f}");
        }
        assert_eq!(r.node_count(), 0, "cycle {cycle}");
        assert_eq!(r.subscription_count(), 0);
    }
}

#[test]
fn shared_group_delivers_each_message_to_one_member_in_turn() {
    // MQTT 5.0 §4.8.2: one member of the group receives each message.
    let mut r = Router::new();
    let k = 3;
    for c in 0..k {
        r.subscribe(c, "$share/workers/jobs/+", qos(QoS::AtLeastOnce), None)
            .unwrap();
    }
    let n = 100;
    let mut counts = [0usize; 3];
    for i in 0..n {
        let m = r.matches(&format!("jobs/{i}"));
        assert_eq!(m.len(), 1);
        assert!(m[0].shared);
        counts[m[0].client as usize] += 1;
    }
    for c in counts {
        assert!(c.abs_diff(n / k as usize) <= 1, "{counts:?}");
    }
}

#[test]
fn shared_group_stays_fair_as_members_leave_and_join() {
    let mut r = Router::new();
    let f = "$share/g/t";
    for c in 0..4u32 {
        r.subscribe(c, f, qos(QoS::AtMostOnce), None).unwrap();
    }
    let deliver = |r: &mut Router<u32>, n: usize| {
        let mut counts = std::collections::BTreeMap::new();
        for _ in 0..n {
            let m = r.matches("t");
            assert_eq!(m.len(), 1);
            *counts.entry(m[0].client).or_insert(0usize) += 1;
        }
        counts
    };
    let _ = deliver(&mut r, 5);
    assert!(r.unsubscribe(1, f));
    let counts = deliver(&mut r, 30);
    assert_eq!(counts.keys().copied().collect::<Vec<_>>(), [0, 2, 3]);
    assert!(counts.values().all(|&c| c == 10), "{counts:?}");
    r.subscribe(9, f, qos(QoS::AtMostOnce), None).unwrap();
    let counts = deliver(&mut r, 41);
    assert_eq!(counts.len(), 4);
    assert!(counts.values().all(|&c| c.abs_diff(10) <= 1), "{counts:?}");
    for c in [0, 2, 3, 9] {
        assert!(r.unsubscribe(c, f));
    }
    assert!(r.matches("t").is_empty());
    assert_eq!(r.node_count(), 0);
}

#[test]
fn shared_groups_are_separate_from_ordinary_subscriptions() {
    let mut r = Router::new();
    r.subscribe(1, "s/+", qos(QoS::AtMostOnce), None).unwrap();
    r.subscribe(1, "$share/a/s/+", qos(QoS::AtLeastOnce), None)
        .unwrap();
    r.subscribe(2, "$share/b/s/+", qos(QoS::AtMostOnce), None)
        .unwrap();
    // Same share name, different filter: a different group (5.0 §4.8.2).
    r.subscribe(3, "$share/a/s/#", qos(QoS::AtMostOnce), None)
        .unwrap();
    let m = r.matches("s/x");
    assert_eq!(m.len(), 4);
    assert_eq!((m[0].client, m[0].shared), (1, false));
    let mut shared: Vec<u32> = m[1..].iter().map(|m| m.client).collect();
    shared.sort();
    assert_eq!(shared, [1, 2, 3]);
    assert!(m[1..].iter().all(|m| m.shared));
    assert_eq!(r.subscription_count(), 4);
}

#[test]
fn matches_into_reuses_the_buffer() {
    let mut r = Router::new();
    r.subscribe(1u64, "a/#", qos(QoS::AtMostOnce), None)
        .unwrap();
    let mut out = Vec::new();
    r.matches_into("a/b", &mut out);
    assert_eq!(out.len(), 1);
    r.matches_into("b", &mut out);
    assert!(out.is_empty());
}

#[test]
fn empty_levels_are_levels() {
    let mut r = Router::new();
    r.subscribe(1, "a//b", qos(QoS::AtMostOnce), None).unwrap();
    r.subscribe(2, "/+", qos(QoS::AtMostOnce), None).unwrap();
    r.subscribe(3, "a/+", qos(QoS::AtMostOnce), None).unwrap();
    r.subscribe(4, "+/+", qos(QoS::AtMostOnce), None).unwrap();
    assert_eq!(clients(&r.matches("a//b")), [1]);
    assert_eq!(clients(&r.matches("/finance")), [2, 4]);
    assert_eq!(clients(&r.matches("a/")), [3, 4]);
}
