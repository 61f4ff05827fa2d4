//! Why a topic name or a topic filter is invalid, in words a student can act on.

use core::fmt;

/// The longest topic name or filter, in bytes of UTF-8 [MQTT-4.7.3-3].
pub const MAX_TOPIC_LEN: usize = 65_535;

/// How many characters of an offending name or filter an error message quotes.
const SHOWN_CHARS: usize = 60;

/// Whether a string was checked as a topic name (PUBLISH) or a topic filter (SUBSCRIBE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopicKind {
    /// A topic name: where a message is published; no wildcards.
    Name,
    /// A topic filter: what a subscription asks for; may use `+` and `#`.
    Filter,
}

impl fmt::Display for TopicKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TopicKind::Name => "topic name",
            TopicKind::Filter => "topic filter",
        })
    }
}

/// A topic name or topic filter that breaks the rules of MQTT 3.1.1 §4.7 / 5.0 §4.7-4.8.
///
/// Levels are counted from 1, the way a person reads them: in `a/b/c`, `b` is level 2.
/// Quoted names and filters are cut to their first 60 characters (with `…`), so a
/// 64 KB filter does not make a 64 KB message.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    /// The string is empty [MQTT-4.7.3-1].
    #[error("a {kind} must have at least one character, but this one is empty")]
    Empty {
        /// Name or filter.
        kind: TopicKind,
    },
    /// The string is longer than 65,535 bytes [MQTT-4.7.3-3].
    #[error("a {kind} can be at most 65,535 bytes long, but this one is {len} bytes")]
    TooLong {
        /// Name or filter.
        kind: TopicKind,
        /// Its length in bytes.
        len: usize,
    },
    /// The string contains U+0000 [MQTT-4.7.3-2].
    #[error(
        "a {kind} must not contain the null character (U+0000): '{shown}' has one at level {level}"
    )]
    NullCharacter {
        /// Name or filter.
        kind: TopicKind,
        /// The string, cut short if long, with the null shown as `\0`.
        shown: String,
        /// The level holding the null character (from 1).
        level: usize,
    },
    /// A topic name contains `+` or `#` ([MQTT-4.7.1-1] in 3.1.1, [MQTT-4.7.0-1] in 5.0).
    #[error("a topic name must not contain the wildcard '{wildcard}' (wildcards are only for subscription filters): '{shown}' has it at level {level}")]
    WildcardInName {
        /// The name, cut short if long.
        shown: String,
        /// `+` or `#`.
        wildcard: char,
        /// The level holding it (from 1).
        level: usize,
    },
    /// `#` is followed by more levels ([MQTT-4.7.1-2] in 3.1.1, [MQTT-4.7.1-1] in 5.0).
    #[error(
        "'#' must be the last level of a filter, on its own: '{shown}' has it at level {level}"
    )]
    HashNotLast {
        /// The filter, cut short if long.
        shown: String,
        /// The level holding `#` (from 1).
        level: usize,
    },
    /// `#` shares its level with other characters, as in `a/b#`.
    #[error("'#' must be on its own in its level, after a '/': '{shown}' has '{level_text}' at level {level}")]
    HashNotAlone {
        /// The filter, cut short if long.
        shown: String,
        /// The whole offending level, cut short if long.
        level_text: String,
        /// Its number (from 1).
        level: usize,
    },
    /// `+` shares its level with other characters ([MQTT-4.7.1-3] in 3.1.1, [MQTT-4.7.1-2] in 5.0).
    #[error("'+' must fill a whole level on its own, between '/'s: '{shown}' has '{level_text}' at level {level}")]
    PlusNotAlone {
        /// The filter, cut short if long.
        shown: String,
        /// The whole offending level, cut short if long.
        level_text: String,
        /// Its number (from 1).
        level: usize,
    },
    /// `$share//…`: the share name is empty [MQTT-4.8.2-1].
    #[error("a shared subscription '$share/{{ShareName}}/{{filter}}' needs a share name of at least one character: '{shown}' has none")]
    EmptyShareName {
        /// The filter, cut short if long.
        shown: String,
    },
    /// The share name contains `+` or `#` [MQTT-4.8.2-2].
    #[error("the share name of a shared subscription must not contain '+' or '#': '{shown}' has share name '{share_name}'")]
    InvalidShareName {
        /// The filter, cut short if long.
        shown: String,
        /// The share name, cut short if long.
        share_name: String,
    },
    /// `$share/name` or `$share/name/` without a filter after it [MQTT-4.8.2-2].
    #[error("a shared subscription needs a topic filter after the share name, like '$share/{share_name}/sensors/#': '{shown}' has none")]
    MissingSharedFilter {
        /// The filter, cut short if long.
        shown: String,
        /// The share name, cut short if long.
        share_name: String,
    },
}

impl TopicError {
    /// Whether the invalid string was a topic name or a topic filter.
    pub fn kind(&self) -> TopicKind {
        match self {
            TopicError::Empty { kind }
            | TopicError::TooLong { kind, .. }
            | TopicError::NullCharacter { kind, .. } => *kind,
            TopicError::WildcardInName { .. } => TopicKind::Name,
            TopicError::HashNotLast { .. }
            | TopicError::HashNotAlone { .. }
            | TopicError::PlusNotAlone { .. }
            | TopicError::EmptyShareName { .. }
            | TopicError::InvalidShareName { .. }
            | TopicError::MissingSharedFilter { .. } => TopicKind::Filter,
        }
    }

    /// The MQTT 5.0 reason code for this error: 0x8F (Topic Filter invalid) for a
    /// filter, 0x90 (Topic Name invalid) for a name.
    pub fn reason_code(&self) -> u8 {
        match self.kind() {
            TopicKind::Filter => 0x8F,
            TopicKind::Name => 0x90,
        }
    }
}

/// `s` cut to its first [`SHOWN_CHARS`] characters, with nulls made visible.
pub(crate) fn shown(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(SHOWN_CHARS * 4 + 3));
    for (i, c) in s.chars().enumerate() {
        if i == SHOWN_CHARS {
            out.push('…');
            break;
        }
        if c == '\0' {
            out.push_str("\\0");
        } else {
            out.push(c);
        }
    }
    out
}
