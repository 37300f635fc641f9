//! A unified line diff (what Ctrl-S will write), and how it is drawn.
//!
//! Settings files are small and an edit touches few lines: the common prefix
//! and suffix are cut first, and only the middle goes through an LCS table
//! (bounded; past the bound the middle is shown as removed then added).

use ratatui::text::{Line, Span};

use crate::tui::theme::Theme;

/// Past this many cells the LCS table is not built.
const LCS_LIMIT: usize = 4_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffKind {
    Hunk,
    Context,
    Added,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: DiffKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same(usize, usize),
    Del(usize),
    Add(usize),
}

/// The unified diff of `old` to `new` with `context` lines around changes;
/// empty when the texts have the same lines. Line endings are not compared
/// (the file keeps its own).
pub fn unified(old: &str, new: &str, context: usize) -> Vec<DiffLine> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ops = diff_ops(&a, &b);
    hunks(&a, &b, &ops, context)
}

/// How many lines are added and removed.
pub fn counts(lines: &[DiffLine]) -> (usize, usize) {
    let added = lines.iter().filter(|l| l.kind == DiffKind::Added).count();
    let removed = lines.iter().filter(|l| l.kind == DiffKind::Removed).count();
    (added, removed)
}

fn diff_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a_mid, b_mid) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops: Vec<Op> = (0..prefix).map(|i| Op::Same(i, i)).collect();
    ops.extend(middle_ops(a_mid, b_mid).into_iter().map(|op| match op {
        Op::Same(i, j) => Op::Same(i + prefix, j + prefix),
        Op::Del(i) => Op::Del(i + prefix),
        Op::Add(j) => Op::Add(j + prefix),
    }));
    let (a_end, b_end) = (a.len() - suffix, b.len() - suffix);
    ops.extend((0..suffix).map(|k| Op::Same(a_end + k, b_end + k)));
    ops
}

fn middle_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let (n, m) = (a.len(), b.len());
    if n == 0 || m == 0 || (n + 1) * (m + 1) > LCS_LIMIT {
        let mut ops: Vec<Op> = (0..n).map(Op::Del).collect();
        ops.extend((0..m).map(Op::Add));
        return ops;
    }
    // lcs[i][j]: LCS length of a[i..] and b[j..].
    let width = m + 1;
    let mut lcs = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * width + j] = if a[i] == b[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::new();
    while i < n && j < m {
        if a[i] == b[j] {
            ops.push(Op::Same(i, j));
            i += 1;
            j += 1;
        } else if lcs[(i + 1) * width + j] >= lcs[i * width + j + 1] {
            ops.push(Op::Del(i));
            i += 1;
        } else {
            ops.push(Op::Add(j));
            j += 1;
        }
    }
    ops.extend((i..n).map(Op::Del));
    ops.extend((j..m).map(Op::Add));
    ops
}

fn hunks(a: &[&str], b: &[&str], ops: &[Op], context: usize) -> Vec<DiffLine> {
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Same(..)))
        .map(|(k, _)| k)
        .collect();
    let mut out = Vec::new();
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(context);
        let mut end = changed[k];
        while k < changed.len() && changed[k] <= end + 2 * context + 1 {
            end = changed[k];
            k += 1;
        }
        let end = (end + context + 1).min(ops.len());
        out.push(hunk_header(&ops[start..end]));
        for op in &ops[start..end] {
            out.push(match *op {
                Op::Same(i, _) => line(DiffKind::Context, ' ', a[i]),
                Op::Del(i) => line(DiffKind::Removed, '-', a[i]),
                Op::Add(j) => line(DiffKind::Added, '+', b[j]),
            });
        }
    }
    out
}

fn line(kind: DiffKind, sign: char, text: &str) -> DiffLine {
    DiffLine {
        kind,
        text: format!("{sign}{}", crate::tui::sanitize(text)),
    }
}

fn hunk_header(ops: &[Op]) -> DiffLine {
    let old_start = ops.iter().find_map(|op| match op {
        Op::Same(i, _) | Op::Del(i) => Some(*i),
        Op::Add(_) => None,
    });
    let new_start = ops.iter().find_map(|op| match op {
        Op::Same(_, j) | Op::Add(j) => Some(*j),
        Op::Del(_) => None,
    });
    let old_len = ops.iter().filter(|op| !matches!(op, Op::Add(_))).count();
    let new_len = ops.iter().filter(|op| !matches!(op, Op::Del(_))).count();
    let start = |s: Option<usize>, len: usize| if len == 0 { 0 } else { s.unwrap_or(0) + 1 };
    DiffLine {
        kind: DiffKind::Hunk,
        text: format!(
            "@@ -{},{} +{},{} @@",
            start(old_start, old_len),
            old_len,
            start(new_start, new_len),
            new_len
        ),
    }
}

/// The diff as styled lines.
pub fn styled<'a>(lines: &'a [DiffLine], theme: &Theme) -> Vec<Line<'a>> {
    lines
        .iter()
        .map(|l| {
            let style = match l.kind {
                DiffKind::Hunk => theme.diff_hunk,
                DiffKind::Context => theme.base,
                DiffKind::Added => theme.diff_add,
                DiffKind::Removed => theme.diff_del,
            };
            Line::from(Span::styled(l.text.as_str(), style))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[DiffLine]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn one_changed_line_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\n";
        let d = unified(old, new, 2);
        assert_eq!(
            texts(&d),
            ["@@ -3,5 +3,5 @@", " c", " d", "-e", "+E", " f", " g"]
        );
        assert_eq!(counts(&d), (1, 1));
    }

    #[test]
    fn identical_texts_have_no_diff() {
        assert!(unified("a\r\nb\r\n", "a\nb\n", 3).is_empty());
    }

    #[test]
    fn additions_at_the_end_and_far_apart_changes_make_two_hunks() {
        let old: String = (0..20).map(|i| format!("l{i}\n")).collect();
        let mut new = old.replace("l1\n", "L1\n");
        new.push_str("added\n");
        let d = unified(&old, &new, 1);
        let headers: Vec<_> = d.iter().filter(|l| l.kind == DiffKind::Hunk).collect();
        assert_eq!(headers.len(), 2);
        assert_eq!(d.last().unwrap().text, "+added");
        assert_eq!(counts(&d), (2, 1));
    }

    #[test]
    fn insertion_in_an_empty_file() {
        let d = unified("", "[S]\nk=v\n", 3);
        assert_eq!(texts(&d), ["@@ -0,0 +1,2 @@", "+[S]", "+k=v"]);
    }

    #[test]
    fn control_characters_are_escaped() {
        let d = unified("a\n", "a\u{1b}]52;c;x\u{7}\n", 0);
        assert!(d.iter().all(|l| !l.text.contains('\u{1b}')));
    }
}
