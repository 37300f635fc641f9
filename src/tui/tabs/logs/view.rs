//! Moving through the log (scrolling, following, jumps) and drawing it:
//! only the rows that show are built, whatever the buffer's size.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

use super::highlight::line_spans;
use super::{Jump, LogEntry, LogsTab, Prompt};
use crate::logs::Level;
use crate::tui::model::Cx;
use crate::tui::tabs::RenderCx;
use crate::tui::theme::Theme;

/// Between the node tag and the line in the cluster view.
const TAG_GAP: &str = " │ ";

impl LogsTab {
    pub(super) fn index_of(&self, seq: u64) -> usize {
        (seq.saturating_sub(self.first_seq) as usize).min(self.entries.len().saturating_sub(1))
    }

    /// The sequence number of the entry shown at the bottom.
    pub(super) fn bottom_seq(&self) -> Option<u64> {
        let last = self.last_seq()?;
        Some(if self.follow {
            last
        } else {
            self.anchor.clamp(self.first_seq, last)
        })
    }

    /// Moves the paused view by `count` visible entries (negative: up).
    pub(super) fn scroll_by(&mut self, count: isize) {
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

    pub(super) fn follow_again(&mut self) {
        self.follow = true;
        self.focus = None;
        if let Some(last) = self.last_seq() {
            self.anchor = last;
        }
    }

    fn wanted(&self, entry: &LogEntry, what: Jump) -> bool {
        self.visible(entry)
            && match what {
                Jump::Match => self.search.is_some() && entry.search_hit,
                Jump::Error => entry.level.is_some_and(|l| l >= Level::Error),
            }
    }

    /// Jumps to the next (`newer`) or previous shown entry that is a search
    /// match or an error, from the last jump's entry, else from the bottom
    /// of the view (which itself counts when going back). The view pauses
    /// with that entry at the bottom, marked.
    pub(super) fn jump(&mut self, newer: bool, what: Jump, cx: &mut Cx) {
        if what == Jump::Match && self.search.is_none() {
            return cx.info("No search: / searches, & filters");
        }
        let Some(bottom) = self.bottom_seq() else {
            return cx.info("The log is empty");
        };
        let last = self.last_seq().unwrap_or(bottom);
        let (from, inclusive) = match self.focus.filter(|f| (self.first_seq..=last).contains(f)) {
            Some(f) => (self.index_of(f), false),
            None => (self.index_of(bottom), !newer),
        };
        let found = if newer {
            (from + 1..self.entries.len()).find(|i| self.wanted(&self.entries[*i], what))
        } else {
            let end = if inclusive { from + 1 } else { from };
            (0..end)
                .rev()
                .find(|i| self.wanted(&self.entries[*i], what))
        };
        match found {
            Some(i) => {
                let seq = self.first_seq + i as u64;
                self.follow = false;
                self.anchor = seq;
                self.focus = Some(seq);
            }
            None if !newer && !self.is_cluster() && !self.entries.is_empty() => {
                // Nothing older kept: search on in the log's rotated files.
                let wanted = match what {
                    Jump::Error => super::past::Wanted::Error,
                    Jump::Match => super::past::Wanted::Pattern(
                        self.search
                            .as_ref()
                            .map(|p| p.text.clone())
                            .unwrap_or_default(),
                    ),
                };
                let before = self.entries[0].time;
                self.ask_past(
                    super::past::LogQuery::Older {
                        before,
                        what: wanted,
                    },
                    cx,
                );
                cx.info("Nothing older here: searching the rotated files…");
            }
            None => {
                let which = if newer { "newer" } else { "older" };
                let (thing, key) = match (what, newer) {
                    (Jump::Match, true) => ("match", "N"),
                    (Jump::Match, false) => ("match", "n"),
                    (Jump::Error, true) => ("ERROR entry", "E"),
                    (Jump::Error, false) => ("ERROR entry", "e"),
                };
                let other = if newer { "older" } else { "newer" };
                cx.info(format!("No {which} {thing} ({key} goes to {other} ones)"));
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, rcx: &RenderCx) {
        if let Some(past) = &self.past {
            return past.view.draw(frame, area, rcx);
        }
        let theme = rcx.theme;
        let nodes = &rcx.peers;
        let (label, notes) = match &self.tags {
            Some(names) => (
                format!("cluster of {} nodes", names.len()),
                nodes
                    .iter()
                    .filter_map(|n| n.logs.note.as_ref().map(|t| format!("{}: {t}", n.name)))
                    .collect::<Vec<_>>(),
            ),
            None => (
                nodes
                    .get(rcx.node)
                    .map_or(String::new(), |n| n.name.to_string()),
                self.note.iter().cloned().collect(),
            ),
        };
        let [head, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        let head_style = if self.follow {
            theme.status_ok
        } else {
            theme.warning
        };
        let mut head_spans = vec![Span::styled(
            format!(" {}", crate::tui::sanitize(&self.status_line(&label))),
            head_style,
        )];
        for note in notes {
            head_spans.push(Span::styled(
                format!(" · {}", crate::tui::sanitize(&note)),
                theme.dim,
            ));
        }
        frame.render_widget(Line::from(head_spans), head);
        let (body, input) = if self.editor.is_some() {
            let [b, i] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(body);
            (b, Some(i))
        } else {
            (body, None)
        };
        self.render_entries(frame, body, theme);
        if let (Some(area), Some((prompt, editor))) = (input, &self.editor) {
            let text = match prompt {
                Prompt::Search => " search /",
                Prompt::Filter => " filter &",
                Prompt::Time => " time  t ",
            };
            let [label, field] =
                Layout::horizontal([Constraint::Length(9), Constraint::Min(0)]).areas(area);
            frame.render_widget(Span::styled(text, theme.hint_key), label);
            editor.render(frame, field, theme.selection);
            if let Some(err) = &self.editor_error {
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

    /// Fills `area` from the bottom entry upwards; near the top, downwards too.
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
            let mut rows = self.entry_rows(i, width, theme);
            rows.reverse();
            above.extend(rows);
            if above.len() >= height {
                break;
            }
        }
        above.truncate(height);
        above.reverse();
        if above.len() < height {
            for i in bottom + 1..self.entries.len() {
                if !self.visible(&self.entries[i]) {
                    continue;
                }
                above.extend(self.entry_rows(i, width, theme));
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

    /// The node tag of a line in the cluster view, padded to the widest name.
    fn tag(&self, node: usize, theme: &Theme) -> Option<Span<'static>> {
        let names = self.tags.as_ref()?;
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        let name = names.get(node).map_or("?", String::as_str);
        Some(Span::styled(
            format!("{:<width$}{TAG_GAP}", crate::tui::sanitize(name)),
            theme.log_node,
        ))
    }

    /// The screen rows of the entry at `index`.
    fn entry_rows(&self, index: usize, width: usize, theme: &Theme) -> Vec<Line<'static>> {
        let entry = &self.entries[index];
        let focused = self.focus == Some(self.first_seq + index as u64);
        let search = self.search.as_ref().map(|p| &p.regex);
        let mut rows = Vec::new();
        for (n, line) in entry.lines().enumerate() {
            let (base, head) = if n == 0 {
                (theme.base, Some(entry.level))
            } else {
                (theme.dim, None)
            };
            let gutter = if focused && n == 0 {
                Span::styled("›", theme.marker)
            } else {
                Span::raw(" ")
            };
            let mut spans = vec![gutter];
            spans.extend(self.tag(entry.node, theme));
            let content = line_spans(line, head, base, search, theme);
            if focused && n == 0 {
                spans.extend(content.into_iter().map(|s| {
                    let style = s.style.patch(theme.selection);
                    s.style(style)
                }));
            } else {
                spans.extend(content);
            }
            if self.wrap {
                rows.extend(wrap_spans(spans, width));
            } else {
                rows.push(Line::from(spans));
            }
        }
        rows
    }
}

/// Cuts styled spans into rows of at most `width` columns.
pub(super) fn wrap_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Line<'static>> {
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
