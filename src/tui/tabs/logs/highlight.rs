//! One log line as styled spans: the leading timestamp, the level word,
//! GUIDs, IPv4 addresses and URLs in their theme styles, and search matches
//! laid over all of that. Only lines on screen are styled.

use std::sync::LazyLock;

use ratatui::style::Style;
use ratatui::text::Span;
use regex::Regex;

use crate::logs::Level;
use crate::logs::entry::parse_timestamp;
use crate::tui::theme::Theme;

/// At most this many tokens (and search matches) are styled per line.
const MAX_MARKS: usize = 64;

/// URLs, GUIDs and IPv4 addresses (with an optional port), leftmost first.
static TOKENS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?P<url>\b(?:https?|wss?|ftp)://[^\s<>\x22']+)",
        r"|(?P<guid>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)",
        r"|(?P<ip>\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}",
        r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\b(?::[0-9]{1,5}\b)?)",
    ))
    .expect("the token expression is valid")
});

/// Bytes of the timestamp the line starts with (as the entry parser reads it).
pub fn timestamp_len(line: &str) -> Option<usize> {
    parse_timestamp(line)?;
    let bom = if line.starts_with('\u{feff}') { 3 } else { 0 };
    let b = &line.as_bytes()[bom..];
    let mut end = 19;
    if matches!(b.get(end), Some(b',' | b'.')) {
        let digits = b[end + 1..]
            .iter()
            .take(9)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits > 0 {
            end += 1 + digits;
        }
    }
    Some(bom + end)
}

/// Where the level word is in the first part of the line (any spelling the
/// parser accepts, matched as a whole word).
pub fn find_level(line: &str, level: Level) -> Option<(usize, usize)> {
    let head_end = line.char_indices().nth(80).map_or(line.len(), |(i, _)| i);
    let head = &line[..head_end];
    let mut start = None;
    for (i, c) in head
        .char_indices()
        .chain(std::iter::once((head.len(), ' ')))
    {
        if c.is_ascii_alphabetic() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take()
            && Level::parse(&head[s..i]) == Some(level)
        {
            return Some((s, i));
        }
    }
    None
}

pub fn level_style(level: Level, theme: &Theme) -> Style {
    match level {
        Level::Trace => theme.level_trace,
        Level::Debug => theme.level_debug,
        Level::Info => theme.level_info,
        Level::Warn => theme.level_warn,
        Level::Error => theme.level_error,
        Level::Fatal => theme.level_fatal,
    }
}

/// The tokens of `line` from byte `from` on: (start, end, style).
fn tokens(line: &str, from: usize, theme: &Theme) -> Vec<(usize, usize, Style)> {
    let mut marks = Vec::new();
    for caps in TOKENS.captures_iter(&line[from..]).take(MAX_MARKS) {
        let (m, style) = if let Some(m) = caps.name("url") {
            (m, theme.log_url)
        } else if let Some(m) = caps.name("guid") {
            (m, theme.log_guid)
        } else if let Some(m) = caps.name("ip") {
            (m, theme.log_address)
        } else {
            continue;
        };
        let mut end = m.end();
        if caps.name("url").is_some() {
            // A sentence's punctuation is not part of the URL.
            let text = m.as_str();
            end = m.start()
                + text
                    .trim_end_matches(['.', ',', ';', ':', ')', ']', '}'])
                    .len();
        }
        marks.push((from + m.start(), from + end, style));
    }
    marks
}

/// The styled spans of one line. `head`: the entry's first line, with its
/// level (the timestamp and level are looked for there only).
pub fn line_spans(
    line: &str,
    head: Option<Option<Level>>,
    base: Style,
    search: Option<&Regex>,
    theme: &Theme,
) -> Vec<Span<'static>> {
    let mut marks: Vec<(usize, usize, Style)> = Vec::new();
    let mut from = 0;
    if let Some(level) = head {
        if let Some(end) = timestamp_len(line) {
            marks.push((0, end, theme.log_time));
            from = end;
        }
        if let Some(level) = level
            && let Some((s, e)) = find_level(line, level)
            && s >= from
        {
            marks.push((s, e, level_style(level, theme)));
        }
    }
    marks.extend(tokens(line, from, theme));
    marks.sort_by_key(|m| m.0);
    let mut segments = Vec::with_capacity(marks.len() * 2 + 1);
    let mut at = 0;
    for (start, end, style) in marks {
        if start < at {
            continue;
        }
        if start > at {
            segments.push((at, start, base));
        }
        segments.push((start, end, base.patch(style)));
        at = end;
    }
    if at < line.len() {
        segments.push((at, line.len(), base));
    }
    if let Some(regex) = search {
        for m in regex.find_iter(line).take(MAX_MARKS) {
            if m.end() > m.start() {
                segments = overlay(segments, m.start(), m.end(), theme.search_match);
            }
        }
    }
    segments
        .into_iter()
        .map(|(s, e, style)| Span::styled(line[s..e].to_string(), style))
        .collect()
}

/// `segments` with `start..end` restyled by `style` (split where needed).
fn overlay(
    segments: Vec<(usize, usize, Style)>,
    start: usize,
    end: usize,
    style: Style,
) -> Vec<(usize, usize, Style)> {
    let mut out = Vec::with_capacity(segments.len() + 2);
    for (s, e, st) in segments {
        if e <= start || s >= end {
            out.push((s, e, st));
            continue;
        }
        if s < start {
            out.push((s, start, st));
        }
        out.push((s.max(start), e.min(end), st.patch(style)));
        if e > end {
            out.push((end, e, st));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::theme;

    fn styled(line: &str, search: Option<&str>) -> Vec<(String, Style)> {
        let theme = theme::built_in("default").unwrap();
        let regex = search.map(|s| Regex::new(s).unwrap());
        line_spans(
            line,
            Some(Some(Level::Error)),
            theme.base,
            regex.as_ref(),
            &theme,
        )
        .into_iter()
        .map(|s| (s.content.to_string(), s.style))
        .collect()
    }

    fn style_of(spans: &[(String, Style)], text: &str) -> Style {
        spans
            .iter()
            .find(|(t, _)| t == text)
            .unwrap_or_else(|| panic!("{text:?} is not a span of its own: {spans:?}"))
            .1
    }

    #[test]
    fn timestamps_levels_guids_addresses_and_urls_are_spans_of_their_own() {
        let theme = theme::built_in("default").unwrap();
        let line = "2026-11-22 10:15:00,004 ERROR Suite.Calendar call 9f8e7d6c-1111-2222-3333-444455556666 \
                    from 10.0.0.12:443 to https://mail.corp.local/EWS/Exchange.asmx. failed";
        let spans = styled(line, None);
        assert_eq!(
            spans.iter().map(|(t, _)| t.as_str()).collect::<String>(),
            line,
            "nothing lost or doubled"
        );
        assert_eq!(
            style_of(&spans, "2026-11-22 10:15:00,004"),
            theme.base.patch(theme.log_time)
        );
        assert_eq!(
            style_of(&spans, "ERROR"),
            theme.base.patch(theme.level_error)
        );
        assert_eq!(
            style_of(&spans, "9f8e7d6c-1111-2222-3333-444455556666"),
            theme.base.patch(theme.log_guid)
        );
        assert_eq!(
            style_of(&spans, "10.0.0.12:443"),
            theme.base.patch(theme.log_address)
        );
        assert_eq!(
            style_of(&spans, "https://mail.corp.local/EWS/Exchange.asmx"),
            theme.base.patch(theme.log_url)
        );
    }

    #[test]
    fn near_misses_are_not_highlighted() {
        let spans = styled("v1.2.3.4 999.1.1.1 9f8e7d6c-1111-2222-3333 ftp:/x", None);
        assert_eq!(spans.len(), 1, "{spans:?}");
    }

    #[test]
    fn search_matches_are_laid_over_the_tokens() {
        let theme = theme::built_in("default").unwrap();
        let line = "2026-11-22 10:15:00,004 ERROR timeout from 10.0.0.12";
        let spans = styled(line, Some("timeout|0\\.12"));
        assert_eq!(
            style_of(&spans, "timeout"),
            theme.base.patch(theme.search_match)
        );
        // Inside the address: split, the match restyled, the rest kept.
        assert_eq!(
            style_of(&spans, "10.0."),
            theme.base.patch(theme.log_address)
        );
        assert_eq!(
            style_of(&spans, "0.12"),
            theme
                .base
                .patch(theme.log_address)
                .patch(theme.search_match)
        );
    }

    #[test]
    fn the_timestamp_length_follows_the_parser() {
        assert_eq!(timestamp_len("2026-11-22 10:15:00,004 INFO x"), Some(23));
        assert_eq!(timestamp_len("2026-11-22T10:15:00 INFO x"), Some(19));
        assert_eq!(timestamp_len("2026-11-22 10:15:00.123456789Z"), Some(29));
        assert_eq!(timestamp_len("   at Foo()"), None);
    }

    #[test]
    fn the_level_word_is_found() {
        let l = "2026-11-22 10:15:00,004 ERROR x";
        let (s, e) = find_level(l, Level::Error).unwrap();
        assert_eq!(&l[s..e], "ERROR");
    }
}
