//! The examples of MQTT 3.1.1 §4.7 and 5.0 §4.7, each with its statement.
#![cfg(not(target_arch = "wasm32"))]

use mqtt_lab::topic::{topic_matches, validate_topic_filter, validate_topic_name};

fn yes(filter: &str, topic: &str) {
    assert!(
        topic_matches(filter, topic),
        "'{filter}' should match '{topic}'"
    );
}

fn no(filter: &str, topic: &str) {
    assert!(
        !topic_matches(filter, topic),
        "'{filter}' should not match '{topic}'"
    );
}

#[test]
fn multi_level_wildcard_examples() {
    // §4.7.1.2: "sport/tennis/player1/#" would receive messages published using these names.
    yes("sport/tennis/player1/#", "sport/tennis/player1");
    yes("sport/tennis/player1/#", "sport/tennis/player1/ranking");
    yes(
        "sport/tennis/player1/#",
        "sport/tennis/player1/score/wimbledon",
    );
    // §4.7.1.2: "sport/#" also matches the singular "sport", since # includes the parent level.
    yes("sport/#", "sport");
    // §4.7.1.2: "#" is valid and will receive every Application Message.
    yes("#", "sport/tennis");
    yes("#", "/");
    // §4.7.1.2: "sport/tennis/#" is valid.
    assert!(validate_topic_filter("sport/tennis/#").is_ok());
}

#[test]
fn multi_level_wildcard_must_be_last_and_alone() {
    // [MQTT-4.7.1-2] (3.1.1), [MQTT-4.7.1-1] (5.0): "sport/tennis#" and
    // "sport/tennis/#/ranking" are not valid.
    assert!(validate_topic_filter("sport/tennis#").is_err());
    assert!(validate_topic_filter("sport/tennis/#/ranking").is_err());
    no("sport/tennis/#/ranking", "sport/tennis/x/ranking");
}

#[test]
fn single_level_wildcard_examples() {
    // §4.7.1.3: "sport/tennis/+" matches "sport/tennis/player1" and "sport/tennis/player2",
    // but not "sport/tennis/player1/ranking".
    yes("sport/tennis/+", "sport/tennis/player1");
    yes("sport/tennis/+", "sport/tennis/player2");
    no("sport/tennis/+", "sport/tennis/player1/ranking");
    // §4.7.1.3: "sport/+" does not match "sport" but does match "sport/".
    no("sport/+", "sport");
    yes("sport/+", "sport/");
    // §4.7.1.3: "+", "+/tennis/#" and "sport/+/player1" are valid.
    for f in ["+", "+/tennis/#", "sport/+/player1"] {
        assert!(validate_topic_filter(f).is_ok(), "{f}");
    }
    yes("+/tennis/#", "sport/tennis/player1");
    yes("sport/+/player1", "sport/tennis/player1");
}

#[test]
fn single_level_wildcard_must_fill_its_level() {
    // [MQTT-4.7.1-3] (3.1.1), [MQTT-4.7.1-2] (5.0): "sport+" is not valid.
    assert!(validate_topic_filter("sport+").is_err());
}

#[test]
fn leading_slash_makes_an_empty_first_level() {
    // §4.7.1.3: "+/+" and "/+" match "/finance", "+" does not.
    yes("+/+", "/finance");
    yes("/+", "/finance");
    no("+", "/finance");
}

#[test]
fn dollar_topics_are_not_matched_by_leading_wildcards() {
    // [MQTT-4.7.2-1] and the examples of §4.7.2.
    no("#", "$SYS/broker/uptime");
    no("+/monitor/Clients", "$SYS/monitor/Clients");
    yes("$SYS/#", "$SYS/broker/uptime");
    yes("$SYS/monitor/+", "$SYS/monitor/Clients");
    no("+", "$SYS");
    yes("$SYS", "$SYS");
    // Only the first character counts: '$' later in the topic is ordinary.
    yes("#", "a/$SYS");
    yes("+/+", "a/$b");
}

#[test]
fn matching_is_case_sensitive_and_not_normalised() {
    // §4.7.3: "ACCOUNTS" and "Accounts" are two different topic names;
    // [MQTT-4.7.3-4]: no normalisation.
    no("ACCOUNTS", "Accounts");
    no("accounts/+", "Accounts/x");
    no("caf\u{e9}", "cafe\u{301}");
    yes("Accounts payable", "Accounts payable");
}

#[test]
fn names_and_filters_need_a_character() {
    // [MQTT-4.7.3-1]; §4.7.3: "/" is a valid topic name.
    assert!(validate_topic_name("").is_err());
    assert!(validate_topic_filter("").is_err());
    assert!(validate_topic_name("/").is_ok());
    no("#", "");
}

#[test]
fn names_must_not_contain_null() {
    // [MQTT-4.7.3-2]
    assert!(validate_topic_name("a\0").is_err());
    assert!(validate_topic_filter("a/\0/#").is_err());
    no("#", "a\0");
}

#[test]
fn wildcards_are_not_allowed_in_names() {
    // [MQTT-4.7.1-1] (3.1.1), [MQTT-4.7.0-1] (5.0): a topic name with a wildcard matches nothing.
    no("#", "a/+");
    no("a/#", "a/#");
}

#[test]
fn empty_levels_are_levels() {
    // §4.7.1.1: adjacent separators make a zero-length level.
    yes("a//b", "a//b");
    yes("a/+/b", "a//b");
    no("a/b", "a//b");
    yes("a/#", "a/");
    yes("+/", "a/");
    no("a", "a/");
}

#[test]
fn shared_subscriptions_match_by_their_filter() {
    // 5.0 §4.8.2: "$share/consumer1/sport/tennis/+" matches like "sport/tennis/+".
    yes("$share/consumer1/sport/tennis/+", "sport/tennis/player1");
    no("$share/consumer1/sport/tennis/+", "sport/tennis");
    // [MQTT-4.8.2-1] / [MQTT-4.8.2-2]
    no("$share//sport", "sport");
    no("$share/a+/sport", "sport");
    no("$share/g", "g");
}
