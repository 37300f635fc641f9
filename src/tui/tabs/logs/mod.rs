//! Logs: a live tail of the node's log, or of every node at once (the
//! cluster view). Lines arrive sanitized from the background followers and
//! are grouped into entries (a line without a leading timestamp continues
//! the previous entry of the same node) in a bounded ring buffer.
//!
//! - Scrolling up pauses; End or `G` follows again.
//! - `/` searches: matches are highlighted and `n`/`N` jump between them;
//!   `&` filters: only matching entries are shown. `l` sets the minimum
//!   level; `e`/`E` jump to the next/previous ERROR or worse.
//! - The cluster view keeps its entries ordered by timestamp: each batch a
//!   node sends is merged in (stable for equal timestamps), each line tagged
//!   with its node's name.
//!
//! - `t` asks for a moment and `o` for another file of the log folder; `E`
//!   and `N` past the oldest kept entry search on in the rotated files.
//!   Each shows a past view (see [`past`]) in place of the live one until
//!   End, `G` or `f`.
//!
//! Entries carry a sequence number so a paused view stays put while old
//! entries fall out of the ring and new ones arrive (or, in the cluster
//! view, are merged in above it). Whether an entry matches the filter and
//! the search is kept on the entry, and the counts shown are kept up to
//! date as entries come and go, so nothing rescans the buffer per frame.

mod highlight;
pub mod past;
mod view;

use std::collections::VecDeque;

use ratatui::Frame;
use ratatui::layout::Rect;
use regex::Regex;

use crate::logs::{Level, entry, when};
use crate::tui::action::{Action, Effect, LogsAction, Nav};
use crate::tui::model::Cx;
use crate::tui::tabs::{RenderCx, Tab};
use crate::tui::widgets::input::TextInput;

/// Entries kept by default.
pub const DEFAULT_CAPACITY: usize = 100_000;
/// Continuation lines kept per entry (a runaway stack trace stays bounded).
const MAX_LINES_PER_ENTRY: usize = 500;
/// In the cluster view: how many entries back a continuation line looks for
/// the entry of its node it continues.
const LOOKBACK: usize = 4096;
const PAGE: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub level: Option<Level>,
    /// Its lines joined by `\n`, in one allocation of exactly their size,
    /// made on the interface's thread: a full ring of 100,000 entries stays
    /// small and unfragmented.
    text: Box<str>,
    /// How many lines `text` holds.
    line_count: u16,
    /// The node it came from (an index into the interface's nodes).
    pub node: usize,
    /// Its timestamp in ms, or that of the entry before it from the same
    /// node: the order of the cluster view.
    pub time: i64,
    /// Some line matches the filter.
    filter_hit: bool,
    /// Some line matches the search.
    search_hit: bool,
}

impl LogEntry {
    fn new(node: usize, time: i64, head: &str) -> LogEntry {
        LogEntry {
            level: entry::parse_level(head),
            text: Box::from(head),
            line_count: 1,
            node,
            time,
            filter_hit: false,
            search_hit: false,
        }
    }

    /// An entry of `lines` (a head and its continuation lines), at most
    /// [`MAX_LINES_PER_ENTRY`] of them.
    fn from_lines(node: usize, time: i64, lines: &[String]) -> LogEntry {
        let lines = &lines[..lines.len().min(MAX_LINES_PER_ENTRY)];
        LogEntry {
            level: lines.first().and_then(|l| entry::parse_level(l)),
            text: lines.join("\n").into_boxed_str(),
            line_count: lines.len().max(1) as u16,
            node,
            time,
            filter_hit: false,
            search_hit: false,
        }
    }

    /// Its lines: the first, then its continuation lines.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.text.split('\n')
    }

    pub fn line_count(&self) -> usize {
        usize::from(self.line_count)
    }

    /// Adds continuation lines (the entry is rebuilt once, at its new size);
    /// those beyond [`MAX_LINES_PER_ENTRY`] are dropped.
    fn extend<'a>(&mut self, more: impl IntoIterator<Item = &'a str>) {
        let room = MAX_LINES_PER_ENTRY - self.line_count();
        let more: Vec<&str> = more.into_iter().take(room).collect();
        if more.is_empty() {
            return;
        }
        let size = self.text.len() + more.iter().map(|l| l.len() + 1).sum::<usize>();
        let mut text = String::with_capacity(size);
        text.push_str(&self.text);
        for line in &more {
            text.push('\n');
            text.push_str(line);
        }
        self.text = text.into_boxed_str();
        self.line_count += more.len() as u16;
    }
}

/// A regular expression as typed.
#[derive(Debug)]
struct Pattern {
    text: String,
    regex: Regex,
}

impl Pattern {
    /// Line by line, as shown: a pattern never matches across two lines.
    fn hits(&self, entry: &LogEntry) -> bool {
        entry.lines().any(|l| self.regex.is_match(l))
    }
}

/// What the one-line field at the bottom is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prompt {
    Search,
    Filter,
    /// A moment to jump to.
    Time,
}

/// The log away from its live end, shown instead of the live view.
#[derive(Debug)]
struct Past {
    id: u64,
    focus: Option<i64>,
    view: Box<LogsTab>,
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
    /// The entry the last jump (n/N, e/E) landed on, marked on screen.
    focus: Option<u64>,
    pub wrap: bool,
    pub min_level: Option<Level>,
    filter: Option<Pattern>,
    search: Option<Pattern>,
    editor: Option<(Prompt, TextInput)>,
    editor_error: Option<String>,
    /// Something about the log itself (missing file, rotation).
    pub note: Option<String>,
    /// Entries received since the start.
    pub total: u64,
    /// Entries kept that pass the level and the filter.
    shown: usize,
    /// Of those, the ones the search matches.
    matched: usize,
    /// The cluster view: the node names its lines are tagged with.
    tags: Option<Vec<String>>,
    /// Per node: the time of its latest entry, for entries without one.
    last_time: Vec<i64>,
    /// A past view shown instead of this one.
    past: Option<Past>,
    /// A past view's heading, in place of FOLLOWING / PAUSED.
    heading: Option<String>,
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
            focus: None,
            wrap: false,
            min_level: None,
            filter: None,
            search: None,
            editor: None,
            editor_error: None,
            note: None,
            total: 0,
            shown: 0,
            matched: 0,
            tags: None,
            last_time: Vec::new(),
            past: None,
            heading: None,
        }
    }

    /// The cluster view of `nodes` (named `names`), with the view settings
    /// of `like` and the entries the nodes hold now, merged by time.
    pub fn cluster(
        names: Vec<String>,
        capacity: usize,
        like: &LogsTab,
        nodes: &[&LogsTab],
    ) -> LogsTab {
        let mut tab = LogsTab::with_capacity(capacity);
        tab.started = true;
        tab.wrap = like.wrap;
        tab.min_level = like.min_level;
        tab.filter = like.filter.as_ref().map(Pattern::clone_of);
        tab.search = like.search.as_ref().map(Pattern::clone_of);
        tab.last_time = vec![i64::MIN; names.len()];
        tab.tags = Some(names);
        for (node, log) in nodes.iter().enumerate() {
            if let Some(last) = log.entries.back() {
                tab.last_time[node] = last.time;
            }
        }
        // Merged from the newest end, so only what is kept is copied; on
        // equal times the later node goes last, as a stable merge puts it.
        let mut ends: Vec<usize> = nodes.iter().map(|l| l.entries.len()).collect();
        let mut newest_first: Vec<LogEntry> = Vec::with_capacity(capacity.min(1 << 20));
        while newest_first.len() < capacity {
            let pick = (0..nodes.len())
                .filter(|n| ends[*n] > 0)
                .max_by_key(|n| (nodes[*n].entries[ends[*n] - 1].time, *n));
            let Some(node) = pick else { break };
            ends[node] -= 1;
            newest_first.push(LogEntry {
                node,
                ..nodes[node].entries[ends[node]].clone()
            });
        }
        tab.total = nodes.iter().map(|l| l.entries.len() as u64).sum();
        for mut e in newest_first.into_iter().rev() {
            tab.flag(&mut e);
            tab.tally(&e, true);
            tab.entries.push_back(e);
        }
        tab
    }

    pub fn is_cluster(&self) -> bool {
        self.tags.is_some()
    }

    /// A search is set: `n`/`N` jump between its matches.
    pub fn searching(&self) -> bool {
        match &self.past {
            Some(past) => past.view.searching(),
            None => self.search.is_some(),
        }
    }

    /// A past view is shown (a moment, another file, an older entry).
    pub fn in_past(&self) -> bool {
        self.past.is_some()
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

    /// Entries kept that the level and the filter let through.
    pub fn shown(&self) -> usize {
        self.shown
    }

    pub fn search_matches(&self) -> Option<usize> {
        self.search.as_ref().map(|_| self.matched)
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

    fn level_ok(&self, entry: &LogEntry) -> bool {
        match (self.min_level, entry.level) {
            (None, _) => true,
            (Some(min), Some(level)) => level >= min,
            (Some(_), None) => false,
        }
    }

    fn visible(&self, entry: &LogEntry) -> bool {
        self.level_ok(entry) && (self.filter.is_none() || entry.filter_hit)
    }

    fn is_match(&self, entry: &LogEntry) -> bool {
        self.search.is_some() && entry.search_hit && self.visible(entry)
    }

    /// Sets the entry's filter and search flags from all its lines.
    fn flag(&self, entry: &mut LogEntry) {
        entry.filter_hit = self.filter.as_ref().is_some_and(|p| p.hits(entry));
        entry.search_hit = self.search.as_ref().is_some_and(|p| p.hits(entry));
    }

    /// Counts an entry in (or out of) the shown and matched totals.
    fn tally(&mut self, entry: &LogEntry, add: bool) {
        let (shown, matched) = (self.visible(entry), self.is_match(entry));
        let step = |n: &mut usize, on: bool| {
            if on {
                *n = if add { *n + 1 } else { n.saturating_sub(1) };
            }
        };
        step(&mut self.shown, shown);
        step(&mut self.matched, matched);
    }

    /// Flags and counts everything again (the level, filter or search changed).
    fn recount(&mut self) {
        let mut entries = std::mem::take(&mut self.entries);
        self.shown = 0;
        self.matched = 0;
        for e in entries.iter_mut() {
            self.flag(e);
            self.tally(e, true);
        }
        self.entries = entries;
    }

    /// Adds sanitized lines of this tab's node; `reset` starts over (a fresh tail).
    pub fn push_lines(&mut self, lines: Vec<String>, reset: bool) {
        if reset {
            self.first_seq += self.entries.len() as u64;
            self.entries.clear();
            self.shown = 0;
            self.matched = 0;
            self.anchor = self.first_seq;
            self.focus = None;
        }
        let new = self.group(0, lines);
        for e in new {
            self.append(e);
        }
    }

    /// Cluster view: adds lines of `node`, merged by time with the others.
    pub fn push_node_lines(&mut self, node: usize, lines: Vec<String>, reset: bool) {
        if node >= self.last_time.len() {
            self.last_time.resize(node + 1, i64::MIN);
        }
        if reset {
            self.drop_node(node);
        }
        let new = self.group(node, lines);
        self.merge(new);
    }

    /// Turns lines into new entries; lines before the first timestamp
    /// continue the node's latest entry (or start one, if it has none).
    fn group(&mut self, node: usize, lines: Vec<String>) -> Vec<LogEntry> {
        if node >= self.last_time.len() {
            self.last_time.resize(node + 1, i64::MIN);
        }
        let times: Vec<Option<i64>> = lines.iter().map(|l| entry::parse_timestamp(l)).collect();
        let (mut rest, mut times) = (&lines[..], &times[..]);
        let lead = times.iter().take_while(|t| t.is_none()).count();
        if lead > 0 && self.continue_latest(node, &rest[..lead]) {
            (rest, times) = (&rest[lead..], &times[lead..]);
        }
        let mut new: Vec<LogEntry> = Vec::new();
        while let Some(head) = times.first() {
            let len = 1 + times[1..].iter().take_while(|t| t.is_none()).count();
            let time = head.unwrap_or_else(|| self.time_for(node));
            self.last_time[node] = time;
            new.push(LogEntry::from_lines(node, time, &rest[..len]));
            (rest, times) = (&rest[len..], &times[len..]);
        }
        new
    }

    /// The time an entry without a timestamp sorts at: its node's latest.
    fn time_for(&self, node: usize) -> i64 {
        match self.last_time.get(node) {
            Some(t) if *t != i64::MIN => *t,
            _ => self.entries.back().map_or(i64::MIN, |e| e.time),
        }
    }

    /// Adds continuation lines to the node's latest entry; false if none.
    fn continue_latest(&mut self, node: usize, lines: &[String]) -> bool {
        let Some(index) = self
            .entries
            .iter()
            .rev()
            .take(LOOKBACK)
            .position(|e| e.node == node)
            .map(|back| self.entries.len() - 1 - back)
        else {
            return false;
        };
        let mut entry = std::mem::replace(&mut self.entries[index], LogEntry::new(node, 0, ""));
        self.tally(&entry, false);
        let hit = |p: &Option<Pattern>| {
            p.as_ref()
                .is_some_and(|p| lines.iter().any(|l| p.regex.is_match(l)))
        };
        entry.filter_hit |= hit(&self.filter);
        entry.search_hit |= hit(&self.search);
        entry.extend(lines.iter().map(String::as_str));
        self.tally(&entry, true);
        self.entries[index] = entry;
        true
    }

    /// Adds an entry at the end (one node's log keeps its own order).
    fn append(&mut self, mut entry: LogEntry) {
        self.flag(&mut entry);
        self.tally(&entry, true);
        self.entries.push_back(entry);
        self.total += 1;
        self.trim();
    }

    /// Merges entries into the time order (stable: equal times keep their
    /// order, and come after what is there). Only the part of the buffer
    /// from the first new entry's time on is rebuilt; a paused view and the
    /// focus stay on their entries.
    fn merge(&mut self, mut new: Vec<LogEntry>) {
        if new.is_empty() {
            return;
        }
        new.sort_by_key(|e| e.time);
        let from = self.entries.partition_point(|e| e.time <= new[0].time);
        if from == self.entries.len() {
            for e in new {
                self.append(e);
            }
            return;
        }
        let from_seq = self.first_seq + from as u64;
        let tail: Vec<LogEntry> = self.entries.drain(from..).collect();
        let old_anchor = (!self.follow && self.anchor >= from_seq).then(|| self.anchor - from_seq);
        let old_focus = self.focus.filter(|f| *f >= from_seq).map(|f| f - from_seq);
        self.total += new.len() as u64;
        let mut new = new.into_iter().peekable();
        for (i, old) in tail.into_iter().enumerate() {
            while let Some(e) = new.next_if(|e| e.time < old.time) {
                self.push_new(e);
            }
            let seq = self.first_seq + self.entries.len() as u64;
            if old_anchor == Some(i as u64) {
                self.anchor = seq;
            }
            if old_focus == Some(i as u64) {
                self.focus = Some(seq);
            }
            self.entries.push_back(old);
        }
        for e in new {
            self.push_new(e);
        }
        self.trim();
    }

    fn push_new(&mut self, mut entry: LogEntry) {
        self.flag(&mut entry);
        self.tally(&entry, true);
        self.entries.push_back(entry);
    }

    /// Drops the oldest entries beyond the capacity.
    fn trim(&mut self) {
        while self.entries.len() > self.capacity {
            if let Some(dropped) = self.entries.pop_front() {
                self.tally(&dropped, false);
            }
            self.first_seq += 1;
        }
    }

    /// Cluster view: forgets a node's entries (its log starts over).
    fn drop_node(&mut self, node: usize) {
        if !self.entries.iter().any(|e| e.node == node) {
            return;
        }
        self.entries.retain(|e| e.node != node);
        self.focus = None;
        self.follow_again();
        self.recount();
    }

    /// Asks for a past view of this node's log, or of every node's in the
    /// cluster view.
    fn ask_past(&mut self, query: past::LogQuery, cx: &mut Cx) {
        let (nodes, cluster) = match &self.tags {
            Some(names) => ((0..names.len()).collect(), true),
            None => (vec![cx.node], false),
        };
        cx.effects.push(Effect::LogPast {
            nodes,
            id: past::next_id(),
            cluster,
            query,
        });
    }

    /// A past view read in the background: shown (for the cluster view,
    /// each node's part merged into the one of the same request).
    pub fn show_past(
        &mut self,
        node: usize,
        id: u64,
        result: Result<past::PastLines, String>,
        cx: &mut Cx,
    ) {
        let read = match result {
            Ok(read) => read,
            Err(e) => return cx.error(crate::tui::sanitize(&e).into_owned()),
        };
        let same = self.past.as_ref().is_some_and(|p| p.id == id);
        if !same {
            let mut view = LogsTab::with_capacity(self.capacity);
            view.started = true;
            view.wrap = self.wrap;
            view.min_level = self.min_level;
            view.filter = self.filter.as_ref().map(Pattern::clone_of);
            view.search = self.search.as_ref().map(Pattern::clone_of);
            view.tags = self.tags.clone();
            view.heading = Some(format!("{} · End back to live", read.title));
            self.past = Some(Past {
                id,
                focus: read.focus,
                view: Box::new(view),
            });
        }
        let Some(past) = &mut self.past else { return };
        if past.view.is_cluster() {
            past.view.push_node_lines(node, read.lines, false);
            past.focus = match (past.focus, read.focus) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        } else {
            past.view.push_lines(read.lines, true);
        }
        past.view.focus_time(past.focus);
        if !same {
            cx.info(format!("{} (End: back to the live log)", read.title));
        }
    }

    /// Pauses with the first entry at or after `time` at the bottom, marked
    /// (without a time: the newest entry).
    fn focus_time(&mut self, time: Option<i64>) {
        let index = match time {
            Some(t) => self.entries.partition_point(|e| e.time < t),
            None => self.entries.len().saturating_sub(1),
        };
        let index = index.min(self.entries.len().saturating_sub(1));
        self.follow = false;
        self.anchor = self.first_seq + index as u64;
        self.focus = (time.is_some() && !self.entries.is_empty()).then_some(self.anchor);
    }

    fn open_editor(&mut self, prompt: Prompt) {
        let current = match prompt {
            Prompt::Search => &self.search,
            Prompt::Filter => &self.filter,
            Prompt::Time => &None,
        };
        let text = current.as_ref().map(|p| p.text.clone()).unwrap_or_default();
        self.editor = Some((prompt, TextInput::plain(&text)));
        self.editor_error = None;
    }

    /// Esc: the search goes first, then the filter, then the mark of a jump.
    fn clear(&mut self, cx: &mut Cx) {
        if self.search.take().is_some() {
            self.recount();
            cx.info("Search cleared");
        } else if self.filter.take().is_some() {
            self.recount();
            cx.info("Filter cleared: every entry is shown");
        } else {
            self.focus = None;
        }
    }

    fn update_editor(&mut self, action: Action, cx: &mut Cx) {
        let Some((prompt, editor)) = &mut self.editor else {
            return;
        };
        let prompt = *prompt;
        match action {
            Action::Input(request) => {
                editor.handle(request);
                self.editor_error = match prompt {
                    Prompt::Time => None,
                    _ => Regex::new(editor.value())
                        .err()
                        .map(|e| short_regex_error(&e)),
                };
            }
            Action::InputCancel => {
                self.editor = None;
                self.editor_error = None;
            }
            Action::InputCommit if prompt == Prompt::Time => {
                let text = editor.value().trim().to_string();
                if text.is_empty() {
                    self.editor = None;
                    return;
                }
                match when::parse(&text, when::now_local()) {
                    Ok(at) => {
                        self.editor = None;
                        self.editor_error = None;
                        self.ask_past(past::LogQuery::At(at), cx);
                        cx.info(format!("Looking for {} in the log…", when::format_ms(at)));
                    }
                    Err(_) => {
                        self.editor_error =
                            Some("a time: 2026-12-02 02:13, 02:13, or an age: 2h, 30m".into())
                    }
                }
            }
            Action::InputCommit => {
                let text = editor.value().to_string();
                let pattern = if text.is_empty() {
                    None
                } else {
                    match Regex::new(&text) {
                        Ok(regex) => Some(Pattern { text, regex }),
                        Err(e) => return self.editor_error = Some(short_regex_error(&e)),
                    }
                };
                self.editor = None;
                self.editor_error = None;
                match prompt {
                    Prompt::Search => self.set_search(pattern, cx),
                    Prompt::Filter => self.set_filter(pattern, cx),
                    Prompt::Time => {}
                }
            }
            _ => {}
        }
    }

    /// A new search: counted, and the newest match shown.
    fn set_search(&mut self, pattern: Option<Pattern>, cx: &mut Cx) {
        self.search = pattern;
        self.recount();
        let Some(p) = &self.search else {
            return;
        };
        if self.matched == 0 {
            return cx.info(format!("No entry matches /{}/", p.text));
        }
        cx.info(format!(
            "{} matching entries (n newer, N older)",
            group(self.matched as u64)
        ));
        self.focus = None;
        self.jump(false, Jump::Match, cx);
    }

    fn set_filter(&mut self, pattern: Option<Pattern>, cx: &mut Cx) {
        self.filter = pattern;
        self.recount();
        match &self.filter {
            Some(p) => cx.info(format!(
                "Showing the {} entries matching /{}/ (Esc shows all)",
                group(self.shown as u64),
                p.text
            )),
            None => cx.info("Filter cleared: every entry is shown"),
        }
    }

    /// The header line: FOLLOWING or PAUSED, node, counts, filters.
    pub fn status_line(&self, node: &str) -> String {
        let mut parts = Vec::new();
        if let Some(heading) = &self.heading {
            parts.push(heading.clone());
        } else if self.follow {
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
        parts.push(format!(
            "{}/{} entries{kept}",
            group(self.shown as u64),
            group(self.total)
        ));
        if let Some(level) = self.min_level {
            parts.push(format!("level ≥ {}", level.as_str()));
        }
        if let Some(p) = &self.filter {
            parts.push(format!("filter /{}/", p.text));
        }
        if let Some(p) = &self.search {
            parts.push(format!(
                "/{}/ {} matches",
                p.text,
                group(self.matched as u64)
            ));
        }
        if self.wrap {
            parts.push("wrap".to_string());
        }
        parts.join(" · ")
    }
}

impl Pattern {
    fn clone_of(&self) -> Pattern {
        Pattern {
            text: self.text.clone(),
            regex: self.regex.clone(),
        }
    }
}

/// What a jump looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Jump {
    Match,
    Error,
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

impl Tab for LogsTab {
    fn save(&mut self, cx: &mut Cx) {
        cx.info("Nothing to save in the log view");
    }

    fn render(&self, frame: &mut Frame, area: Rect, rcx: &RenderCx) {
        self.draw(frame, area, rcx);
    }

    fn update(&mut self, action: Action, cx: &mut Cx) {
        if let Some(past) = &mut self.past {
            let back = matches!(
                action,
                Action::Nav(Nav::Bottom) | Action::Logs(LogsAction::ToggleFollow)
            );
            if back && !past.view.editing() {
                self.past = None;
                return cx.info("Back to the live log");
            }
            return past.view.update(action, cx);
        }
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
                self.recount();
            }
            Action::Logs(LogsAction::Search) => self.open_editor(Prompt::Search),
            Action::Logs(LogsAction::Filter) => self.open_editor(Prompt::Filter),
            Action::Logs(LogsAction::ClearSearch) => self.clear(cx),
            Action::Logs(LogsAction::NextMatch) => self.jump(true, Jump::Match, cx),
            Action::Logs(LogsAction::PrevMatch) => self.jump(false, Jump::Match, cx),
            Action::Logs(LogsAction::NextError) => self.jump(true, Jump::Error, cx),
            Action::Logs(LogsAction::PrevError) => self.jump(false, Jump::Error, cx),
            Action::Logs(LogsAction::AskTime) => self.open_editor(Prompt::Time),
            Action::Logs(LogsAction::PickFile) => {
                cx.effects.push(Effect::ListLogFiles { node: cx.node });
                cx.info("Listing the log folder…");
            }
            Action::LogOpenFile(name) => {
                self.ask_past(past::LogQuery::File(name.clone()), cx);
                cx.info(format!("Reading {}…", crate::tui::sanitize(&name)));
            }
            _ => {}
        }
    }

    fn editing(&self) -> bool {
        match &self.past {
            Some(past) => past.view.editing(),
            None => self.editor.is_some(),
        }
    }
}

#[cfg(test)]
mod tests;
