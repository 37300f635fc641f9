//! A list of rows with one selected: the selected row carries the `›`
//! marker and the selection style, so it stays visible without colours.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use std::borrow::Cow;

use crate::tui::sanitize;
use crate::tui::theme::Theme;

pub const MARKER: &str = "› ";
pub const NO_MARKER: &str = "  ";

/// The first visible row so that `selected` is on screen.
pub fn offset(selected: Option<usize>, height: usize) -> usize {
    match selected {
        Some(s) if height > 0 => s.saturating_sub(height - 1),
        _ => 0,
    }
}

/// Draws `rows`, each prefixed by the marker column.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    rows: Vec<Line<'_>>,
    selected: Option<usize>,
    theme: &Theme,
) {
    let height = area.height as usize;
    let first = offset(selected, height);
    for (i, row) in rows.into_iter().enumerate().skip(first).take(height) {
        let y = area.y + (i - first) as u16;
        let line_area = Rect::new(area.x, y, area.width, 1);
        let focused = Some(i) == selected;
        let line = marked(row, focused, theme);
        frame.render_widget(line, line_area);
    }
}

/// A row with its marker column; the selected one restyled as selected.
/// Rows often show a node's text (file names, keys), so each is escaped.
pub fn marked<'a>(row: Line<'a>, focused: bool, theme: &Theme) -> Line<'a> {
    let mut spans = Vec::with_capacity(row.spans.len() + 1);
    let escaped = |span: Span<'a>| match sanitize(&span.content) {
        Cow::Borrowed(_) => span,
        Cow::Owned(text) => Span::styled(text, span.style),
    };
    if focused {
        spans.push(Span::styled(MARKER, theme.marker.patch(theme.selection)));
        for span in row.spans {
            let style = span.style.patch(theme.selection);
            spans.push(escaped(Span::styled(span.content, style)));
        }
        Line::from(spans).style(theme.selection)
    } else {
        spans.push(Span::raw(NO_MARKER));
        spans.extend(row.spans.into_iter().map(escaped));
        Line::from(spans).style(row.style)
    }
}
