//! Checking topic names and topic filters (MQTT 3.1.1 §4.7, 5.0 §4.7 and §4.8.2).

use super::error::{shown, TopicError, TopicKind, MAX_TOPIC_LEN};

/// The prefix that makes a filter a shared subscription (MQTT 5.0 §4.8.2).
pub const SHARE_PREFIX: &str = "$share/";

/// A valid topic filter taken apart: the share name, if any, and the part matched
/// against topic names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedFilter<'a> {
    /// `Some("g")` for `$share/g/a/b`; `None` for an ordinary filter.
    pub share_name: Option<&'a str>,
    /// The filter matched against topic names: `a/b` for both `$share/g/a/b` and `a/b`.
    pub filter: &'a str,
}

/// Checks a topic name, as carried by PUBLISH: at least one character, at most
/// 65,535 bytes, no U+0000 and no wildcard.
pub fn validate_topic_name(name: &str) -> Result<(), TopicError> {
    // One pass for the usual valid name; the checks below find what is wrong.
    if !name.is_empty()
        && name.len() <= MAX_TOPIC_LEN
        && !name.bytes().any(|b| matches!(b, 0 | b'+' | b'#'))
    {
        return Ok(());
    }
    check_common(name, TopicKind::Name)?;
    if let Some(at) = name.find(['+', '#']) {
        // [MQTT-4.7.1-1] (3.1.1), [MQTT-4.7.0-1] (5.0)
        return Err(TopicError::WildcardInName {
            shown: shown(name),
            wildcard: name.as_bytes()[at] as char,
            level: level_at(name, at),
        });
    }
    Ok(())
}

/// Checks a topic filter, as carried by SUBSCRIBE and UNSUBSCRIBE, including the
/// `$share/{ShareName}/{filter}` form.
pub fn validate_topic_filter(filter: &str) -> Result<(), TopicError> {
    parse_topic_filter(filter).map(|_| ())
}

/// Checks a topic filter and splits a shared subscription into its share name and
/// the filter after it. `$share` on its own (with no `/`) is an ordinary filter.
pub fn parse_topic_filter(filter: &str) -> Result<ParsedFilter<'_>, TopicError> {
    check_common(filter, TopicKind::Filter)?;
    let Some(rest) = filter.strip_prefix(SHARE_PREFIX) else {
        check_levels(filter, filter, 0)?;
        return Ok(ParsedFilter {
            share_name: None,
            filter,
        });
    };
    // A share name ends at the first '/', so it can never contain one [MQTT-4.8.2-2].
    let (share_name, inner) = match rest.split_once('/') {
        Some((name, inner)) => (name, inner),
        None => (rest, ""),
    };
    if share_name.is_empty() {
        // [MQTT-4.8.2-1]
        return Err(TopicError::EmptyShareName {
            shown: shown(filter),
        });
    }
    if share_name.contains(['+', '#']) {
        // [MQTT-4.8.2-2]
        return Err(TopicError::InvalidShareName {
            shown: shown(filter),
            share_name: shown(share_name),
        });
    }
    if inner.is_empty() {
        // [MQTT-4.8.2-2]: the share name must be followed by '/' and a filter.
        return Err(TopicError::MissingSharedFilter {
            shown: shown(filter),
            share_name: shown(share_name),
        });
    }
    // Levels are numbered in the whole string: `$share` is 1, the share name 2.
    check_levels(filter, inner, 2)?;
    Ok(ParsedFilter {
        share_name: Some(share_name),
        filter: inner,
    })
}

/// The rules names and filters share: length and U+0000.
fn check_common(s: &str, kind: TopicKind) -> Result<(), TopicError> {
    if s.is_empty() {
        // [MQTT-4.7.3-1]
        return Err(TopicError::Empty { kind });
    }
    if s.len() > MAX_TOPIC_LEN {
        // [MQTT-4.7.3-3]
        return Err(TopicError::TooLong { kind, len: s.len() });
    }
    if let Some(at) = s.find('\0') {
        // [MQTT-4.7.3-2]
        return Err(TopicError::NullCharacter {
            kind,
            shown: shown(s),
            level: level_at(s, at),
        });
    }
    Ok(())
}

/// Wildcard placement in `levels` (a filter without any `$share/name/` prefix);
/// `whole` is what error messages quote and `skipped` how many levels precede `levels`.
fn check_levels(whole: &str, levels: &str, skipped: usize) -> Result<(), TopicError> {
    let mut parts = levels.split('/').peekable();
    let mut number = skipped;
    while let Some(level) = parts.next() {
        number += 1;
        if level.contains('#') {
            if level != "#" {
                return Err(TopicError::HashNotAlone {
                    shown: shown(whole),
                    level_text: shown(level),
                    level: number,
                });
            }
            if parts.peek().is_some() {
                // [MQTT-4.7.1-2] (3.1.1), [MQTT-4.7.1-1] (5.0)
                return Err(TopicError::HashNotLast {
                    shown: shown(whole),
                    level: number,
                });
            }
        }
        if level.contains('+') && level != "+" {
            // [MQTT-4.7.1-3] (3.1.1), [MQTT-4.7.1-2] (5.0)
            return Err(TopicError::PlusNotAlone {
                shown: shown(whole),
                level_text: shown(level),
                level: number,
            });
        }
    }
    Ok(())
}

/// The level (from 1) holding byte offset `at`.
fn level_at(s: &str, at: usize) -> usize {
    s.as_bytes()[..at].iter().filter(|&&b| b == b'/').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter_error(f: &str) -> String {
        validate_topic_filter(f).unwrap_err().to_string()
    }

    #[test]
    fn accepts_spec_filters() {
        for f in [
            "sport/tennis/player1/#",
            "sport/#",
            "#",
            "+",
            "+/tennis/#",
            "sport/+/player1",
            "/+",
            "+/+",
            "/finance",
            "a//b",
            "a/",
            "/",
            "$SYS/#",
            "$share",
            "$share/g/#",
            "$share/consumer1/sport/tennis/+",
            "$share/g//finance",
        ] {
            assert_eq!(validate_topic_filter(f), Ok(()), "{f}");
        }
    }

    #[test]
    fn rejects_hash_before_the_last_level() {
        // [MQTT-4.7.1-2] (3.1.1), [MQTT-4.7.1-1] (5.0): "sport/tennis/#/ranking" is not valid.
        assert_eq!(
            filter_error("a/#/b"),
            "'#' must be the last level of a filter, on its own: 'a/#/b' has it at level 2"
        );
        assert!(validate_topic_filter("sport/tennis/#/ranking").is_err());
    }

    #[test]
    fn rejects_hash_sharing_a_level() {
        // [MQTT-4.7.1-2] (3.1.1): "sport/tennis#" is not valid.
        assert_eq!(
            filter_error("sport/tennis#"),
            "'#' must be on its own in its level, after a '/': 'sport/tennis#' has 'tennis#' at level 2"
        );
    }

    #[test]
    fn rejects_plus_sharing_a_level() {
        // [MQTT-4.7.1-3] (3.1.1), [MQTT-4.7.1-2] (5.0): "sport+" is not valid.
        assert_eq!(
            filter_error("sport+"),
            "'+' must fill a whole level on its own, between '/'s: 'sport+' has 'sport+' at level 1"
        );
        assert!(validate_topic_filter("a/+b/c").is_err());
    }

    #[test]
    fn rejects_empty_strings() {
        // [MQTT-4.7.3-1]
        let e = validate_topic_name("").unwrap_err();
        assert_eq!(e.reason_code(), 0x90);
        assert_eq!(
            e.to_string(),
            "a topic name must have at least one character, but this one is empty"
        );
        assert_eq!(validate_topic_filter("").unwrap_err().reason_code(), 0x8F);
    }

    #[test]
    fn rejects_null_character() {
        // [MQTT-4.7.3-2]
        let e = validate_topic_name("a/b\0c").unwrap_err();
        assert_eq!(
            e.to_string(),
            "a topic name must not contain the null character (U+0000): 'a/b\\0c' has one at level 2"
        );
        assert!(validate_topic_filter("\0").is_err());
    }

    #[test]
    fn rejects_strings_over_65535_bytes() {
        // [MQTT-4.7.3-3]
        let ok = "a".repeat(MAX_TOPIC_LEN);
        assert_eq!(validate_topic_name(&ok), Ok(()));
        let long = "a".repeat(MAX_TOPIC_LEN + 1);
        assert_eq!(
            validate_topic_filter(&long).unwrap_err(),
            TopicError::TooLong {
                kind: TopicKind::Filter,
                len: 65_536
            }
        );
        // Multi-byte characters count in bytes, not characters.
        let wide = "é".repeat(32_768);
        assert!(validate_topic_name(&wide).is_err());
    }

    #[test]
    fn rejects_wildcards_in_names() {
        // [MQTT-4.7.1-1] (3.1.1), [MQTT-4.7.0-1] (5.0), [MQTT-3.3.2-2]
        let e = validate_topic_name("home/+/temp").unwrap_err();
        assert_eq!(e.reason_code(), 0x90);
        assert_eq!(
            e.to_string(),
            "a topic name must not contain the wildcard '+' (wildcards are only for subscription filters): 'home/+/temp' has it at level 2"
        );
        assert!(validate_topic_name("#").is_err());
    }

    #[test]
    fn accepts_unusual_but_valid_names() {
        for n in [
            "/",
            "//",
            "a//b",
            "/a",
            "a/",
            "$SYS/broker",
            "$share/g/x",
            " ",
            "Ünïcödé",
        ] {
            assert_eq!(validate_topic_name(n), Ok(()), "{n}");
        }
    }

    #[test]
    fn splits_shared_subscriptions() {
        assert_eq!(
            parse_topic_filter("$share/consumer1/sport/tennis/+"),
            Ok(ParsedFilter {
                share_name: Some("consumer1"),
                filter: "sport/tennis/+"
            })
        );
        assert_eq!(
            parse_topic_filter("$share/g//finance").unwrap().filter,
            "/finance"
        );
        assert_eq!(parse_topic_filter("$sharex/a").unwrap().share_name, None);
    }

    #[test]
    fn rejects_empty_share_name() {
        // [MQTT-4.8.2-1]
        assert!(matches!(
            validate_topic_filter("$share//a"),
            Err(TopicError::EmptyShareName { .. })
        ));
        assert!(matches!(
            validate_topic_filter("$share/"),
            Err(TopicError::EmptyShareName { .. })
        ));
    }

    #[test]
    fn rejects_wildcards_in_share_name() {
        // [MQTT-4.8.2-2]
        assert_eq!(
            filter_error("$share/g+/a"),
            "the share name of a shared subscription must not contain '+' or '#': '$share/g+/a' has share name 'g+'"
        );
        assert!(validate_topic_filter("$share/#").is_err());
    }

    #[test]
    fn rejects_share_name_without_filter() {
        // [MQTT-4.8.2-2]
        for f in ["$share/g", "$share/g/"] {
            assert!(
                matches!(
                    validate_topic_filter(f),
                    Err(TopicError::MissingSharedFilter { .. })
                ),
                "{f}"
            );
        }
    }

    #[test]
    fn counts_levels_of_shared_filters_from_the_start() {
        assert_eq!(
            filter_error("$share/g/a/#/b"),
            "'#' must be the last level of a filter, on its own: '$share/g/a/#/b' has it at level 4"
        );
    }

    #[test]
    fn cuts_long_strings_in_messages() {
        let long = format!("{}+", "a".repeat(1000));
        let msg = filter_error(&long);
        assert!(msg.len() < 300, "{msg}");
        assert!(msg.contains('…'));
    }
}
