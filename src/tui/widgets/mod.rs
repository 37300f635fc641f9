//! Widgets shared by the tabs: dialogs, text fields, diffs, lists.

pub mod dialog;
pub mod diff;
pub mod form;
pub mod input;
pub mod list;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;

/// Movement in whatever has the focus (a list, a scrolled view).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
}

/// A `width` x `height` rectangle centred in `area` (clipped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// A scroll offset moved by `nav` within `len` lines (`page` lines a page).
pub fn scrolled(offset: usize, nav: Nav, len: usize, page: usize) -> usize {
    let max = len.saturating_sub(1);
    match nav {
        Nav::Up => offset.saturating_sub(1),
        Nav::Down => (offset + 1).min(max),
        Nav::PageUp => offset.saturating_sub(page),
        Nav::PageDown => (offset + page).min(max),
        Nav::Top => 0,
        Nav::Bottom => max,
    }
}

/// A selection index moved by `nav` among `len` items.
pub fn moved(selected: usize, nav: Nav, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    scrolled(selected.min(len - 1), nav, len, 10)
}

/// A label padded to `width` columns.
pub fn label(text: &str, width: usize, style: Style) -> Span<'static> {
    Span::styled(format!("{text:<width$}"), style)
}

/// Text cut to `width` columns with an ellipsis.
pub fn ellipsize(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut used = 0;
    let total: usize = text.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return text.to_string();
    }
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Draws an overlay's frame in `rect` (cleared first) and returns the
/// room inside it, a column of margin each side.
pub fn overlay(
    frame: &mut ratatui::Frame,
    rect: Rect,
    title: &str,
    theme: &super::theme::Theme,
) -> Rect {
    frame.render_widget(ratatui::widgets::Clear, rect);
    let block = overlay_block(title, theme);
    let inner = block.inner(rect).inner(ratatui::layout::Margin::new(1, 0));
    frame.render_widget(block, rect);
    inner
}

/// [`overlay`] over the whole screen but a line and a column each side.
pub fn full_overlay(frame: &mut ratatui::Frame, title: &str, theme: &super::theme::Theme) -> Rect {
    let area = frame.area();
    let rect = centered(
        area,
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    );
    overlay(frame, rect, title, theme)
}

/// The frame of an overlay, its title escaped.
pub fn overlay_block<'a>(
    title: &'a str,
    theme: &super::theme::Theme,
) -> ratatui::widgets::Block<'a> {
    ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_type(ratatui::widgets::BorderType::Rounded)
        .border_style(theme.title)
        .style(theme.dialog)
        .title(Span::styled(crate::tui::sanitize(title), theme.title))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ellipsize_cuts_long_text_only() {
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize("abc", 4), "abc");
    }
}
