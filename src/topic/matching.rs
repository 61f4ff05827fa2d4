//! Does a topic filter match a topic name? The fast answer and the teaching one.

use super::validate::{parse_topic_filter, validate_topic_name};

/// Whether `filter` matches `topic` under MQTT's rules (3.1.1 §4.7, 5.0 §4.7):
/// `+` matches exactly one level, `#` matches its parent level and any number of
/// levels below, a topic starting with `$` is not matched by a filter starting with a
/// wildcard, and comparison is exact (case-sensitive, no normalisation).
///
/// For a shared subscription `$share/{ShareName}/{filter}` the part after the share
/// name is matched. Returns `false` when the filter or the topic name is invalid; use
/// [`explain_match`] to learn why.
pub fn topic_matches(filter: &str, topic: &str) -> bool {
    let Ok(parsed) = parse_topic_filter(filter) else {
        return false;
    };
    validate_topic_name(topic).is_ok() && matches_valid(parsed.filter, topic)
}

/// [`topic_matches`] for a filter (without `$share/` prefix) and a name already known
/// to be valid.
pub(crate) fn matches_valid(filter: &str, topic: &str) -> bool {
    // [MQTT-4.7.2-1]: a valid filter starting with '+' or '#' has it as a whole level.
    if topic.starts_with('$') && filter.starts_with(['+', '#']) {
        return false;
    }
    let mut topic_levels = topic.split('/');
    for f in filter.split('/') {
        if f == "#" {
            return true;
        }
        match topic_levels.next() {
            Some(t) if f == "+" || f == t => {}
            _ => return false,
        }
    }
    topic_levels.next().is_none()
}

/// One level of an [`explain_match`] answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelExplanation {
    /// The level number, from 1.
    pub level: usize,
    /// The filter's level here; `None` when the filter has already ended.
    pub filter: Option<String>,
    /// The topic's level here (for `#`, everything it covers); `None` when the topic
    /// has already ended.
    pub topic: Option<String>,
    /// Whether this level is fine for a match.
    pub ok: bool,
    /// Why, in plain words, starting with "level N: ".
    pub text: String,
}

/// A level-by-level account of why a filter matches a topic or not, for teaching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchExplanation {
    /// The verdict; always the same as [`topic_matches`].
    pub matches: bool,
    /// The levels compared, in order, up to and including the one that decided.
    /// Empty when the filter or the topic name is invalid.
    pub levels: Vec<LevelExplanation>,
    /// One sentence with the verdict (or why the input is invalid).
    pub summary: String,
}

/// Explains, level by level, whether `filter` matches `topic`, e.g.
/// "level 2: '+' matches any one level: 'kitchen'".
pub fn explain_match(filter: &str, topic: &str) -> MatchExplanation {
    let parsed = match parse_topic_filter(filter) {
        Ok(p) => p,
        Err(e) => return invalid(format!("The filter is not valid: {e}.")),
    };
    if let Err(e) = validate_topic_name(topic) {
        return invalid(format!("The topic is not valid: {e}."));
    }
    let mut levels = Vec::new();
    let mut filter_levels = parsed.filter.split('/');
    let mut topic_rest = Some(topic);
    let dollar = topic.starts_with('$');
    let mut number = 0;
    let matches = loop {
        number += 1;
        let f = filter_levels.next();
        let (t, after) = match topic_rest {
            Some(rest) => match rest.split_once('/') {
                Some((t, after)) => (Some(t), Some(after)),
                None => (Some(rest), None),
            },
            None => (None, None),
        };
        let mut add = |ok: bool, f: Option<&str>, t: Option<&str>, text: String| {
            levels.push(LevelExplanation {
                level: number,
                filter: f.map(str::to_owned),
                topic: t.map(str::to_owned),
                ok,
                text: format!("level {number}: {text}"),
            });
            ok
        };
        match (f, t) {
            (None, None) => break true,
            (Some(w @ ("#" | "+")), Some(t)) if number == 1 && dollar => {
                // [MQTT-4.7.2-1]
                break add(
                    false,
                    Some(w),
                    Some(t),
                    format!("a filter starting with '{w}' never matches a topic starting with '$' like '{t}' (those are special, e.g. '$SYS'); write '{t}' itself instead"),
                );
            }
            (Some("#"), None) => {
                break add(
                    true,
                    Some("#"),
                    None,
                    format!(
                        "'#' also matches the level above it: the topic ends at level {}, which is fine",
                        number - 1
                    ),
                );
            }
            (Some("#"), Some(_)) => {
                let covered = topic_rest.unwrap_or_default();
                break add(
                    true,
                    Some("#"),
                    Some(covered),
                    format!("'#' matches this level and everything below it: '{covered}'"),
                );
            }
            (Some("+"), Some(t)) => {
                let text = if t.is_empty() {
                    "'+' matches any one level, even an empty one: ''".to_owned()
                } else {
                    format!("'+' matches any one level: '{t}'")
                };
                add(true, Some("+"), Some(t), text);
            }
            (Some(f), Some(t)) if f == t => {
                let text = if f.is_empty() {
                    "both levels are empty, so they are equal".to_owned()
                } else {
                    format!("'{f}' is exactly '{t}'")
                };
                add(true, Some(f), Some(t), text);
            }
            (Some(f), Some(t)) => {
                let text = if f.to_lowercase() == t.to_lowercase() {
                    format!("'{f}' is not '{t}': upper and lower case letters count as different")
                } else {
                    format!(
                        "'{f}' is not '{t}': a level without a wildcard must be exactly the same"
                    )
                };
                break add(false, Some(f), Some(t), text);
            }
            (Some(f), None) => {
                break add(
                    false,
                    Some(f),
                    None,
                    format!("the topic has already ended, but the filter still asks for '{f}'"),
                );
            }
            (None, Some(t)) => {
                break add(
                    false,
                    None,
                    Some(t),
                    format!("the filter has already ended, but the topic goes on with '{t}' (only '#' matches more levels)"),
                );
            }
        }
        topic_rest = after;
    };
    let summary = if matches {
        format!("'{filter}' matches '{topic}'.")
    } else {
        format!(
            "'{filter}' does not match '{topic}' (see level {}).",
            levels.last().map_or(0, |l| l.level)
        )
    };
    MatchExplanation {
        matches,
        levels,
        summary,
    }
}

fn invalid(summary: String) -> MatchExplanation {
    MatchExplanation {
        matches: false,
        levels: Vec::new(),
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(filter: &str, topic: &str) -> Vec<String> {
        explain_match(filter, topic)
            .levels
            .into_iter()
            .map(|l| l.text)
            .collect()
    }

    #[test]
    fn explains_plus_level() {
        let e = explain_match("home/+/temp", "home/kitchen/temp");
        assert!(e.matches);
        assert_eq!(
            e.levels[1].text,
            "level 2: '+' matches any one level: 'kitchen'"
        );
        assert_eq!(e.levels.len(), 3);
        assert_eq!(e.summary, "'home/+/temp' matches 'home/kitchen/temp'.");
    }

    #[test]
    fn explains_hash_covering_parent_level() {
        assert_eq!(
            texts("sport/#", "sport"),
            [
                "level 1: 'sport' is exactly 'sport'",
                "level 2: '#' also matches the level above it: the topic ends at level 1, which is fine"
            ]
        );
    }

    #[test]
    fn explains_hash_covering_many_levels() {
        let e = explain_match("a/#", "a/b/c");
        assert!(e.matches);
        assert_eq!(e.levels[1].topic.as_deref(), Some("b/c"));
    }

    #[test]
    fn explains_case_mismatch() {
        let e = explain_match("Home/x", "home/x");
        assert!(!e.matches);
        assert!(e.levels[0].text.contains("upper and lower case"));
        assert_eq!(e.summary, "'Home/x' does not match 'home/x' (see level 1).");
    }

    #[test]
    fn explains_dollar_rule() {
        // [MQTT-4.7.2-1]
        let e = explain_match("#", "$SYS/uptime");
        assert!(!e.matches);
        assert!(e.levels[0].text.contains("'$'"), "{}", e.levels[0].text);
    }

    #[test]
    fn explains_length_mismatch() {
        assert!(texts("a/b", "a")[1].contains("topic has already ended"));
        assert!(texts("a", "a/b")[1].contains("filter has already ended"));
    }

    #[test]
    fn explains_invalid_input() {
        let e = explain_match("a/#/b", "a");
        assert!(!e.matches && e.levels.is_empty());
        assert!(e
            .summary
            .starts_with("The filter is not valid: '#' must be the last level"));
        assert!(explain_match("a", "a/+")
            .summary
            .starts_with("The topic is not valid"));
    }

    #[test]
    fn explanation_agrees_with_topic_matches() {
        let cases = [
            ("+/+", "/finance"),
            ("+", "/finance"),
            ("/+", "/finance"),
            ("a//b", "a//b"),
            ("a/+/b", "a//b"),
            ("#", "/"),
            ("$share/g/a/#", "a"),
            ("$SYS/#", "$SYS"),
            ("+/x", "$SYS/x"),
        ];
        for (f, t) in cases {
            assert_eq!(explain_match(f, t).matches, topic_matches(f, t), "{f} {t}");
        }
    }
}
