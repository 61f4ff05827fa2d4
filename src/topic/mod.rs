//! Topic names, topic filters and matching.
