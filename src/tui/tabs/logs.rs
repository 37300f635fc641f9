//! Logs: a live tail of the node's log. Lines arrive sanitized from the
//! background follower and are grouped into entries (a line without a leading
//! timestamp continues the previous entry) in a bounded ring buffer.
//! Scrolling up pauses; End or `G` follows again.
//!
//! Entries carry a sequence number so a paused view stays put while old
//! entries fall out of the ring and new ones arrive.

use std::collections::VecDeque;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use regex::Regex;
use unicode_width::UnicodeWidthChar;

use super::RenderCx;
use crate::logs::{Level, entry};
use crate::tui::action::{Action, LogsAction, Nav};
use crate::tui::state::Cx;
use crate::tui::theme::Theme;
use crate::tui::widgets::input::TextInput;

/// Entries kept by default.
pub const DEFAULT_CAPACITY: usize = 100_000;
/// Continuation lines kept per entry (a runaway stack trace stays bounded).
const MAX_LINES_PER_ENTRY: usize = 500;
const PAGE: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub level: Option<Level>,
    pub lines: Vec<String>,
}

#[derive(Debug)]
struct Search {
    text: String,
    regex: Regex,
    /// Entries in the buffer that match.
    matches: usize,
}

#[derive(Debug)]
pub struct LogsTab {
    pub started: bool,
    entries: VecDeque<LogEntry>,
    pub capacity: usize,
    /// Sequence number of `entries[0]`.
    first_seq: u64,
    pub follow: bool,
    /// When paused: the sequence number of the entry at the bottom.
    anchor: u64,
    pub wrap: bool,
    pub min_level: Option<Level>,
    search: Option<Search>,
    editor: Option<TextInput>,
    search_error: Option<String>,
    /// Something about the log itself (missing file, rotation).
    pub note: Option<String>,
    /// Entries received since the start.
    pub total: u64,
}

impl Default for LogsTab {
    fn default() -> Self {
        LogsTab::with_capacity(DEFAULT_CAPACITY)
    }
}

const LEVELS: [Option<Level>; 5] = [
    None,
    Some(Level::Debug),
    Some(Level::Info),
    Some(Level::Warn),
    Some(Level::Error),
];

impl LogsTab {
    pub fn with_capacity(capacity: usize) -> LogsTab {
        LogsTab {
            started: false,
            entries: VecDeque::new(),
            capacity: capacity.max(1),
            first_seq: 0,
            follow: true,
            anchor: 0,
            wrap: false,
            min_level: None,
            search: None,
            editor: None,
            search_error: None,
            note: None,
            total: 0,
        }
    }

    pub fn editing(&self) -> bool {
        self.editor.is_some()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> impl Iterator<Item = &LogEntry> {
        self.entries.iter()
    }

    fn last_seq(&self) -> Option<u64> {
        (!self.entries.is_empty()).then(|| self.first_seq + self.entries.len() as u64 - 1)
    }

    /// New entries below the paused view.
    pub fn waiting(&self) -> u64 {
        match self.last_seq() {
            Some(last) if !self.follow => last.saturating_sub(self.anchor),
            _ => 0,
        }
    }

    pub fn search_matches(&self) -> Option<usize> {
        self.search.as_ref().map(|s| s.matches)
    }

    fn matches_search(&self, entry: &LogEntry) -> bool {
        match &self.search {
            Some(s) => entry.lines.iter().any(|l| s.regex.is_match(l)),
            None => true,
        }
    }

    fn visible(&self, entry: &LogEntry) -> bool {
        let level_ok = match (self.min_level, entry.level) {
            (None, _) => true,
            (Some(min), Some(level)) => level >= min,
            (Some(_), None) => false,
        };
        level_ok && self.matches_search(entry)
    }

    /// Adds sanitized lines; `reset` starts over (a fresh tail).
    pub fn push_lines(&mut self, lines: Vec<String>, reset: bool) {
        if reset {
            self.first_seq += self.entries.len() as u64;
            self.entries.clear();
            if let Some(s) = &mut self.search {
                s.matches = 0;
            }
            self.anchor = self.first_seq;
        }
        for line in lines {
            self.push_line(line);
        }
    }

    fn push_line(&mut self, line: String) {
        let starts_entry = entry::parse_timestamp(&line).is_some();
        if !starts_entry && let Some(last) = self.entries.back_mut() {
            if last.lines.len() < MAX_LINES_PER_ENTRY {
                let before = self
                    .search
                    .as_ref()
                    .map(|s| last.lines.iter().any(|l| s.regex.is_match(l)));
                last.lines.push(line);
                if let (Some(s), Some(false)) = (&mut self.search, before)
                    && s.regex
                        .is_match(last.lines.last().map_or("", String::as_str))
                {
                    s.matches += 1;
                }
            }
            return;
        }
        let entry = LogEntry {
            level: entry::parse_level(&line),
            lines: vec![line],
        };
        if self.matches_search(&entry)
            && let Some(s) = &mut self.search
        {
            s.matches += 1;
        }
        self.entries.push_back(entry);
        self.total += 1;
        if self.entries.len() > self.capacity {
            let dropped = self.entries.pop_front();
            self.first_seq += 1;
            if let Some(dropped) = dropped
                && self.search.is_some()
                && self.matches_search(&dropped)
                && let Some(s) = &mut self.search
            {
                s.matches = s.matches.saturating_sub(1);
            }
        }
    }

    fn index_of(&self, seq: u64) -> usize {
        (seq.saturating_sub(self.first_seq) as usize).min(self.entries.len().saturating_sub(1))
    }

    /// The sequence number of the entry shown at the bottom.
    fn bottom_seq(&self) -> Option<u64> {
        let last = self.last_seq()?;
        Some(if self.follow {
            last
        } else {
            self.anchor.clamp(self.first_seq, last)
        })
    }

    /// Moves the paused view by `count` visible entries (negative: up).
    fn scroll_by(&mut self, count: isize) {
        let Some(bottom) = self.bottom_seq() else {
            return;
        };
        let mut index = self.index_of(bottom);
        let mut left = count.unsigned_abs();
        while left > 0 {
            let next = if count < 0 {
                (0..index).rev().find(|i| self.visible(&self.entries[*i]))
            } else {
                (index + 1..self.entries.len()).find(|i| self.visible(&self.entries[*i]))
            };
            match next {
                Some(i) => index = i,
                None => break,
            }
            left -= 1;
        }
        self.follow = false;
        self.anchor = self.first_seq + index as u64;
    }

    fn follow_again(&mut self) {
        self.follow = true;
        if let Some(last) = self.last_seq() {
            self.anchor = last;
        }
    }

    pub fn update(&mut self, action: Action, cx: &mut Cx) {
        if self.editor.is_some() {
            return self.update_editor(action, cx);
        }
        match action {
            Action::Nav(Nav::Up) => self.scroll_by(-1),
            Action::Nav(Nav::PageUp) => self.scroll_by(-(PAGE as isize)),
            Action::Nav(Nav::Down) => self.scroll_by(1),
            Action::Nav(Nav::PageDown) => self.scroll_by(PAGE as isize),
            Action::Nav(Nav::Top) => self.scroll_by(-(self.entries.len() as isize)),
            Action::Nav(Nav::Bottom) => self.follow_again(),
            Action::Logs(LogsAction::ToggleFollow) => {
                if self.follow {
                    self.scroll_by(0);
                } else {
                    self.follow_again();
                }
            }
            Action::Logs(LogsAction::ToggleWrap) => self.wrap = !self.wrap,
            Action::Logs(LogsAction::CycleLevel) => {
                let i = LEVELS
                    .iter()
                    .position(|l| *l == self.min_level)
                    .unwrap_or(0);
                self.min_level = LEVELS[(i + 1) % LEVELS.len()];
            }
            Action::Logs(LogsAction::Search) => {
                let current = self
                    .search
                    .as_ref()
                    .map(|s| s.text.clone())
                    .unwrap_or_default();
                self.editor = Some(TextInput::plain(&current));
                self.search_error = None;
            }
            Action::Logs(LogsAction::ClearSearch) if self.search.take().is_some() => {
                cx.info("Search cleared")
            }
            _ => {}
        }
    }

    fn update_editor(&mut self, action: Action, cx: &mut Cx) {
        let Some(editor) = &mut self.editor else {
            return;
        };
        match action {
            Action::Input(request) => {
                editor.handle(request);
                self.search_error = Regex::new(editor.value())
                    .err()
                    .map(|e| short_regex_error(&e));
            }
            Action::InputCancel => {
                self.editor = None;
                self.search_error = None;
            }
            Action::InputCommit => {
                let text = editor.value().to_string();
                if text.is_empty() {
                    self.editor = None;
                    self.search = None;
                    return;
                }
                match Regex::new(&text) {
                    Ok(regex) => {
                        self.editor = None;
                        self.search_error = None;
                        let mut search = Search {
                            text,
                            regex,
                            matches: 0,
                        };
                        search.matches = self
                            .entries
                            .iter()
                            .filter(|e| e.lines.iter().any(|l| search.regex.is_match(l)))
                            .count();
                        cx.info(format!("{} matching entries", search.matches));
                        self.search = Some(search);
                    }
                    Err(e) => self.search_error = Some(short_regex_error(&e)),
                }
            }
            _ => {}
        }
    }

    /// The header line: FOLLOWING or PAUSED, node, counts, filters.
    pub fn status_line(&self, node: &str) -> String {
        let mut parts = Vec::new();
        if self.follow {
            parts.push("FOLLOWING".to_string());
        } else {
            let waiting = self.waiting();
            parts.push(if waiting > 0 {
                format!("PAUSED · {} new entries", group(waiting))
            } else {
                "PAUSED".to_string()
            });
        }
        parts.push(node.to_string());
        let kept = if self.total > self.entries.len() as u64 {
            format!(" ({} kept)", group(self.entries.len() as u64))
        } else {
            String::new()
        };
        parts.push(format!("{} entries{kept}", group(self.total)));
        if let Some(level) = self.min_level {
            parts.push(format!("level ≥ {}", level.as_str()));
        }
        if let Some(s) = &self.search {
            parts.push(format!("/{}/ {} matches", s.text, group(s.matches as u64)));
        }
        if self.wrap {
            parts.push("wrap".to_string());
        }
        parts.join(" · ")
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, rcx: &RenderCx) {
        let theme = rcx.theme;
        let node = rcx
            .state
            .nodes
            .get(rcx.node)
            .map_or("", |n| n.name.as_str());
        let [head, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        let head_style = if self.follow {
            theme.status_ok
        } else {
            theme.warning
        };
        let mut head_spans = vec![Span::styled(
            format!(" {}", self.status_line(node)),
            head_style,
        )];
        if let Some(note) = &self.note {
            head_spans.push(Span::styled(format!(" · {note}"), theme.dim));
        }
        frame.render_widget(Line::from(head_spans), head);
        let (body, input) = if self.editor.is_some() {
            let [b, i] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(body);
            (b, Some(i))
        } else {
            (body, None)
        };
        self.render_entries(frame, body, theme);
        if let (Some(area), Some(editor)) = (input, &self.editor) {
            let [label, field] =
                Layout::horizontal([Constraint::Length(9), Constraint::Min(0)]).areas(area);
            frame.render_widget(Span::styled(" search /", theme.hint_key), label);
            editor.render(frame, field, theme.selection);
            if let Some(err) = &self.search_error {
                let x = field.x + (editor.len() as u16 + 2).min(field.width);
                if x < field.right() {
                    frame.render_widget(
                        Span::styled(format!("✗ {err}"), theme.error),
                        Rect::new(x, area.y, field.right() - x, 1),
                    );
                }
            }
        }
    }

    /// Fills `area` from the bottom entry upwards (only what shows is
    /// touched, whatever the buffer's size); near the top, downwards too.
    fn render_entries(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let height = area.height as usize;
        let width = area.width as usize;
        if height == 0 || width == 0 {
            return;
        }
        let Some(bottom) = self.bottom_seq() else {
            let text = if self.started {
                " (no log lines yet)"
            } else {
                " Starting…"
            };
            frame.render_widget(Span::styled(text, theme.dim), area);
            return;
        };
        let bottom = self.index_of(bottom);
        let mut above: Vec<Line> = Vec::new();
        for i in (0..=bottom).rev() {
            let entry = &self.entries[i];
            if !self.visible(entry) {
                continue;
            }
            let mut rows = self.entry_rows(entry, width, theme);
            rows.reverse();
            above.extend(rows);
            if above.len() >= height {
                break;
            }
        }
        above.truncate(height);
        above.reverse();
        if above.len() < height {
            for entry in self.entries.iter().skip(bottom + 1) {
                if !self.visible(entry) {
                    continue;
                }
                above.extend(self.entry_rows(entry, width, theme));
                if above.len() >= height {
                    break;
                }
            }
            above.truncate(height);
        }
        for (i, line) in above.into_iter().enumerate() {
            frame.render_widget(line, Rect::new(area.x, area.y + i as u16, area.width, 1));
        }
    }

    /// The screen rows of one entry.
    fn entry_rows(&self, entry: &LogEntry, width: usize, theme: &Theme) -> Vec<Line<'static>> {
        let mut rows = Vec::new();
        for (n, line) in entry.lines.iter().enumerate() {
            let base = if n == 0 { theme.base } else { theme.dim };
            let styled =
                self.styled_spans(line, if n == 0 { entry.level } else { None }, base, theme);
            if self.wrap {
                rows.extend(wrap_spans(styled, width));
            } else {
                rows.push(Line::from(styled));
            }
        }
        rows
    }

    /// One line split into spans: the level word coloured, search matches marked.
    fn styled_spans(
        &self,
        line: &str,
        level: Option<Level>,
        base: Style,
        theme: &Theme,
    ) -> Vec<Span<'static>> {
        let mut marks: Vec<(usize, usize, Style)> = Vec::new();
        if let Some(level) = level
            && let Some((start, end)) = find_level(line, level)
        {
            marks.push((start, end, level_style(level, theme)));
        }
        if let Some(s) = &self.search {
            for m in s.regex.find_iter(line).take(64) {
                if m.end() > m.start() {
                    marks.push((m.start(), m.end(), theme.search_match));
                }
            }
        }
        marks.sort_by_key(|m| m.0);
        let mut spans = Vec::new();
        let mut at = 0;
        for (start, end, style) in marks {
            if start < at {
                continue;
            }
            if start > at {
                spans.push(Span::styled(line[at..start].to_string(), base));
            }
            spans.push(Span::styled(line[start..end].to_string(), style));
            at = end;
        }
        if at < line.len() {
            spans.push(Span::styled(line[at..].to_string(), base));
        }
        spans
    }
}

fn level_style(level: Level, theme: &Theme) -> Style {
    match level {
        Level::Trace => theme.level_trace,
        Level::Debug => theme.level_debug,
        Level::Info => theme.level_info,
        Level::Warn => theme.level_warn,
        Level::Error => theme.level_error,
        Level::Fatal => theme.level_fatal,
    }
}

/// Where the level word is in the first part of the line (any spelling the
/// parser accepts, matched as a whole word).
fn find_level(line: &str, level: Level) -> Option<(usize, usize)> {
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

/// Cuts styled spans into rows of at most `width` columns.
fn wrap_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Line<'static>> {
    let mut rows = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > width && used > 0 {
                if !piece.is_empty() {
                    row.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                rows.push(Line::from(std::mem::take(&mut row)));
                used = 0;
            }
            piece.push(c);
            used += w;
        }
        if !piece.is_empty() {
            row.push(Span::styled(piece, span.style));
        }
    }
    if !row.is_empty() || rows.is_empty() {
        rows.push(Line::from(row));
    }
    rows
}

fn short_regex_error(e: &regex::Error) -> String {
    e.to_string()
        .lines()
        .last()
        .unwrap_or("invalid regular expression")
        .trim()
        .to_string()
}

/// 48211 -> "48,211".
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tui_input::InputRequest;

    fn cx() -> Cx {
        Cx::default()
    }

    fn line(i: usize, level: &str) -> String {
        format!(
            "2026-11-22 10:{:02}:{:02},000 {level} Suite.Test message {i}",
            (i / 60) % 60,
            i % 60
        )
    }

    #[test]
    fn continuation_lines_join_the_previous_entry() {
        let mut tab = LogsTab::default();
        tab.push_lines(
            vec![
                line(1, "ERROR"),
                "   at Suite.Calendar.Ews.Sync()".into(),
                line(2, "INFO"),
            ],
            true,
        );
        assert_eq!(tab.len(), 2);
        let first = tab.entries().next().unwrap();
        assert_eq!(first.lines.len(), 2);
        assert_eq!(first.level, Some(Level::Error));
    }

    #[test]
    fn the_ring_buffer_is_bounded() {
        let mut tab = LogsTab::with_capacity(10);
        tab.push_lines((0..25).map(|i| line(i, "INFO")).collect(), true);
        assert_eq!(tab.len(), 10);
        assert_eq!(tab.total, 25);
        assert!(tab.entries().next().unwrap().lines[0].ends_with("message 15"));
        assert!(tab.status_line("ucs-a").contains("25 entries (10 kept)"));
    }

    #[test]
    fn scrolling_up_pauses_and_counts_new_entries() {
        let mut tab = LogsTab::default();
        let mut cx = cx();
        tab.push_lines((0..50).map(|i| line(i, "INFO")).collect(), true);
        tab.update(Action::Nav(Nav::Up), &mut cx);
        assert!(!tab.follow);
        assert_eq!(tab.waiting(), 1);
        tab.push_lines((50..53).map(|i| line(i, "INFO")).collect(), false);
        assert_eq!(tab.waiting(), 4);
        assert!(
            tab.status_line("ucs-a")
                .starts_with("PAUSED · 4 new entries · ucs-a")
        );
        tab.update(Action::Nav(Nav::Bottom), &mut cx);
        assert!(tab.follow);
        assert_eq!(tab.waiting(), 0);
        assert!(
            tab.status_line("ucs-a")
                .starts_with("FOLLOWING · ucs-a · 53 entries")
        );
    }

    #[test]
    fn the_paused_view_stays_on_its_entry_while_old_ones_drop() {
        let mut tab = LogsTab::with_capacity(20);
        let mut cx = cx();
        tab.push_lines((0..20).map(|i| line(i, "INFO")).collect(), true);
        tab.update(Action::Nav(Nav::Up), &mut cx);
        let anchor = tab.anchor;
        tab.push_lines((20..25).map(|i| line(i, "INFO")).collect(), false);
        assert_eq!(tab.anchor, anchor);
        let bottom = &tab.entries[tab.index_of(tab.bottom_seq().unwrap())];
        assert!(bottom.lines[0].ends_with("message 18"));
    }

    #[test]
    fn level_filter_cycles_and_filters() {
        let mut tab = LogsTab::default();
        let mut cx = cx();
        tab.push_lines(
            vec![line(1, "DEBUG"), line(2, "WARN"), line(3, "ERROR")],
            true,
        );
        for _ in 0..3 {
            tab.update(Action::Logs(LogsAction::CycleLevel), &mut cx);
        }
        assert_eq!(tab.min_level, Some(Level::Warn));
        let visible = tab.entries().filter(|e| tab.visible(e)).count();
        assert_eq!(visible, 2);
        tab.update(Action::Logs(LogsAction::CycleLevel), &mut cx);
        tab.update(Action::Logs(LogsAction::CycleLevel), &mut cx);
        assert_eq!(tab.min_level, None);
    }

    #[test]
    fn search_filters_and_counts_matches_as_lines_arrive() {
        let mut tab = LogsTab::default();
        let mut cx = cx();
        tab.push_lines(vec![line(1, "INFO"), line(2, "INFO")], true);
        tab.update(Action::Logs(LogsAction::Search), &mut cx);
        assert!(tab.editing());
        for c in "message 2|timeout".chars() {
            tab.update(Action::Input(InputRequest::InsertChar(c)), &mut cx);
        }
        tab.update(Action::InputCommit, &mut cx);
        assert_eq!(tab.search_matches(), Some(1));
        tab.push_lines(vec![line(3, "INFO"), "  request timeout".into()], false);
        assert_eq!(tab.search_matches(), Some(2));
        tab.update(Action::Logs(LogsAction::ClearSearch), &mut cx);
        assert_eq!(tab.search_matches(), None);
    }

    #[test]
    fn a_bad_regex_is_shown_not_applied() {
        let mut tab = LogsTab::default();
        let mut cx = cx();
        tab.update(Action::Logs(LogsAction::Search), &mut cx);
        tab.update(Action::Input(InputRequest::InsertChar('(')), &mut cx);
        assert!(tab.search_error.is_some());
        tab.update(Action::InputCommit, &mut cx);
        assert!(tab.editing());
        assert!(tab.search.is_none());
    }

    #[test]
    fn wrap_cuts_rows_to_the_width() {
        let rows = wrap_spans(vec![Span::raw("abcdefghij")], 4);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2].to_string(), "ij");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group(48211), "48,211");
        assert_eq!(group(100000), "100,000");
        assert_eq!(group(7), "7");
    }

    #[test]
    fn the_level_word_is_found() {
        let l = line(1, "ERROR");
        let (s, e) = find_level(&l, Level::Error).unwrap();
        assert_eq!(&l[s..e], "ERROR");
    }
}
