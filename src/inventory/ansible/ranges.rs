//! Host patterns as Ansible reads them (`parsing/utils/addresses.py` and
//! `expand_hostname_range`): an optional `:port` or `[address]:port`, then
//! ranges such as `web[01:10]`, `db-[a:f]`, `x[1:10:2]`, expanded left to
//! right. The number of hosts is counted before anything is expanded, so a
//! pattern such as `ucs[0:99999999999]` is refused instead of exhausting memory.

use regex::Regex;
use std::sync::LazyLock;

/// The most hosts one pattern (or one inventory) may stand for.
pub const MAX_HOSTS: u128 = 10_000;

/// `parse_address(pattern, allow_ranges=True)`: the host part and the port,
/// or `None` where Ansible's parser gives up (the caller then takes the
/// whole pattern as the host, as Ansible does).
pub fn parse_address(address: &str) -> Option<(String, Option<i128>)> {
    static BRACKETED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\[(.+)\]:([0-9]+)$").unwrap());
    static HOSTPORT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$").unwrap());
    let mut address = address.to_string();
    let mut port: Option<String> = None;
    // Both forms are tried in turn, as in Ansible (`[a:22]:33` is `a`, port 22).
    for re in [&*BRACKETED, &*HOSTPORT] {
        if let Some(m) = re.captures(&address) {
            port = Some(m[2].to_string());
            address = m[1].to_string();
        }
    }
    let valid = is_ipv6(&address) || is_hostname(&address);
    if !valid {
        return None;
    }
    let port = port.map(|p| p.parse::<i128>().unwrap_or(i128::MAX));
    Some((address, port))
}

const HEX_RANGE: &str = r"\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]";

fn is_ipv6(address: &str) -> bool {
    static IPV6: LazyLock<Regex> = LazyLock::new(|| {
        let c = format!("(?:[0-9a-f]{{1,4}}|{HEX_RANGE})");
        let alternatives = [
            format!("(?:{c}:){{7}}{c}"),
            format!("(?:{c}:){{1,6}}:"),
            format!("(?:{c}:)(?::{c}){{1,6}}"),
            format!("(?:{c}:){{2}}(?::{c}){{1,5}}"),
            format!("(?:{c}:){{3}}(?::{c}){{1,4}}"),
            format!("(?:{c}:){{4}}(?::{c}){{1,3}}"),
            format!("(?:{c}:){{5}}(?::{c}){{1,2}}"),
            format!("(?:{c}:){{6}}(?::{c})"),
            format!(":(?::{c}){{1,6}}"),
            format!("{c}?::"),
            format!("(?:0:){{6}}(?:{c}\\.){{3}}{c}"),
            format!("::(?:ffff:)?(?:{c}\\.){{3}}{c}"),
            format!("(?:0:){{5}}ffff:(?:{c}\\.){{3}}{c}"),
        ];
        Regex::new(&format!("(?i)^(?:{})$", alternatives.join("|"))).unwrap()
    });
    IPV6.is_match(address)
}

/// A host name of labels joined by dots; a label is word characters, `-`
/// and ranges, starts with a word character or a range and does not end
/// with `-` or `_`.
fn is_hostname(address: &str) -> bool {
    static UNIT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\[(?:[a-zA-Z]:[a-zA-Z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]").unwrap()
    });
    address.split('.').all(|label| {
        let mut rest = label;
        let mut first = true;
        let mut last: Option<char> = None;
        while !rest.is_empty() {
            if let Some(m) = UNIT.find(rest) {
                rest = &rest[m.end()..];
                last = Some(']');
            } else {
                let c = rest.chars().next().unwrap_or(' ');
                let word = c == '_' || c.is_alphanumeric();
                if !(word || (!first && c == '-')) {
                    return false;
                }
                rest = &rest[c.len_utf8()..];
                last = Some(c);
            }
            first = false;
        }
        !matches!(last, None | Some('-' | '_'))
    })
}

/// Python's `int()` of a range bound.
fn py_int(text: &str) -> Option<i128> {
    let t = text.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return None;
    }
    let n: i128 = digits.replace('_', "").parse().ok()?;
    Some(if neg { -n } else { n })
}

const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// One `[begin:end(:step)]` as Ansible walks it.
enum Seq {
    Letters(Vec<char>),
    Numbers {
        start: i128,
        stop: i128,
        step: i128,
        width: usize,
    },
}

impl Seq {
    fn len(&self) -> u128 {
        match self {
            Seq::Letters(l) => l.len() as u128,
            Seq::Numbers {
                start, stop, step, ..
            } => {
                let span = if *step > 0 {
                    stop - start
                } else {
                    start - stop
                };
                if span <= 0 {
                    0
                } else {
                    (span as u128).div_ceil(step.unsigned_abs())
                }
            }
        }
    }

    fn item(&self, i: u128) -> String {
        match self {
            Seq::Letters(l) => l[i as usize].to_string(),
            Seq::Numbers {
                start, step, width, ..
            } => {
                let n = start + step * i as i128;
                // Python's str(n).zfill(width): the sign stays in front.
                let digits = n.unsigned_abs().to_string();
                let sign = if n < 0 { "-" } else { "" };
                let pad = width.saturating_sub(sign.len() + digits.len());
                format!("{sign}{}{digits}", "0".repeat(pad))
            }
        }
    }
}

/// The first range of `line`: head, sequence, tail (`None`: no range).
fn first_range(line: &str) -> Result<Option<(String, Seq, String)>, String> {
    if !line.contains('[') {
        return Ok(None);
    }
    // line.replace('[', '|', 1).replace(']', '|', 1).split('|') into three parts.
    let replaced = line.replacen('[', "|", 1).replacen(']', "|", 1);
    let parts: Vec<&str> = replaced.split('|').collect();
    let [head, range, tail] = parts.as_slice() else {
        return Err(format!(
            "not enough values to unpack in host range {line:?} (expected 3, got {})",
            parts.len()
        ));
    };
    let bounds: Vec<&str> = range.split(':').collect();
    if bounds.len() != 2 && bounds.len() != 3 {
        return Err("host range must be begin:end or begin:end:step".into());
    }
    let beg = if bounds[0].is_empty() { "0" } else { bounds[0] };
    let end = bounds[1];
    let step_text = bounds.get(2).copied().unwrap_or("1");
    if end.is_empty() {
        return Err("host range must specify end value".into());
    }
    let width = if beg.starts_with('0') && beg.len() > 1 {
        if beg.len() != end.len() {
            return Err("host range must specify equal-length begin and end formats".into());
        }
        beg.len()
    } else {
        0
    };
    let bad_int = |t: &str| format!("invalid literal for int() with base 10: {t:?}");
    // string.ascii_letters.index(): a substring search, then a slice with the step.
    if let (Some(b), Some(e)) = (LETTERS.find(beg), LETTERS.find(end)) {
        if b > e {
            return Err("host range must have begin <= end".into());
        }
        let step = py_int(step_text).ok_or_else(|| bad_int(step_text))?;
        if step != 0 {
            let letters: Vec<char> = LETTERS[b..=e].chars().collect();
            let picked: Vec<char> = if step > 0 {
                letters.into_iter().step_by(step as usize).collect()
            } else {
                Vec::new() // a negative step over a forward slice is empty
            };
            return Ok(Some((
                head.to_string(),
                Seq::Letters(picked),
                tail.to_string(),
            )));
        }
        // A zero step fails the slice; Ansible then tries the bounds as numbers.
    }
    let start = py_int(beg).ok_or_else(|| bad_int(beg))?;
    let stop = py_int(end).ok_or_else(|| bad_int(end))? + 1;
    let step = py_int(step_text).ok_or_else(|| bad_int(step_text))?;
    if step == 0 {
        return Err("range() arg 3 must not be zero".into());
    }
    Ok(Some((
        head.to_string(),
        Seq::Numbers {
            start,
            stop,
            step,
            width,
        },
        tail.to_string(),
    )))
}

/// How many hosts `line` expands to, without expanding it (saturating).
pub fn count(line: &str) -> Result<u128, String> {
    let Some((head, seq, tail)) = first_range(line)? else {
        return Ok(1);
    };
    let n = seq.len();
    if n == 0 {
        return Ok(0);
    }
    // Items are digits or letters, so every one leaves the same rest to expand.
    let rest = count(&format!("{head}{}{tail}", seq.item(0)))?;
    Ok(n.saturating_mul(rest))
}

/// `expand_hostname_range(line)`, refusing more than [`MAX_HOSTS`] hosts.
pub fn expand(line: &str) -> Result<Vec<String>, String> {
    let total = count(line)?;
    if total > MAX_HOSTS {
        return Err(format!(
            "the host range {line} stands for {total} hosts; at most {MAX_HOSTS} are allowed"
        ));
    }
    let mut hosts = Vec::new();
    expand_into(line, &mut hosts)?;
    if hosts.len() as u128 > MAX_HOSTS {
        return Err(format!(
            "the host range {line} stands for more than {MAX_HOSTS} hosts"
        ));
    }
    Ok(hosts)
}

fn expand_into(line: &str, hosts: &mut Vec<String>) -> Result<(), String> {
    let Some((head, seq, tail)) = first_range(line)? else {
        hosts.push(line.to_string());
        return Ok(());
    };
    for i in 0..seq.len() {
        let name = format!("{head}{}{tail}", seq.item(i));
        if name.contains('[') {
            expand_into(&name, hosts)?;
        } else {
            hosts.push(name);
        }
        if hosts.len() as u128 > MAX_HOSTS {
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_expand_as_in_ansible() {
        assert_eq!(expand("w[01:03]").unwrap(), ["w01", "w02", "w03"]);
        assert_eq!(expand("w[1:5:2]x").unwrap(), ["w1x", "w3x", "w5x"]);
        assert_eq!(expand("[a:b][1:2]").unwrap(), ["a1", "a2", "b1", "b2"]);
        assert_eq!(expand("w[:2]").unwrap(), ["w0", "w1", "w2"]);
        assert_eq!(expand("r[y:B]").unwrap(), ["ry", "rz", "rA", "rB"]);
        assert_eq!(expand("r[8:10:2]").unwrap(), ["r8", "r10"]);
        assert_eq!(expand("w[3:1]").unwrap(), Vec::<String>::new());
        assert_eq!(expand("w").unwrap(), ["w"]);
        for (bad, needle) in [
            ("w[01:100]", "equal-length"),
            ("w[1:]", "end value"),
            ("w[1]", "begin:end"),
            ("w[b:a]", "begin <= end"),
            ("w[1:a]", "invalid literal"),
            ("w[1:3:0]", "zero"),
        ] {
            let err = expand(bad).unwrap_err();
            assert!(err.contains(needle), "{bad}: {err}");
        }
    }

    #[test]
    fn huge_ranges_are_counted_not_expanded() {
        assert_eq!(count("ucs[0:99999999999]").unwrap(), 100_000_000_000);
        let err = expand("ucs[0:99999999999]").unwrap_err();
        assert!(err.contains("100000000000 hosts"), "{err}");
        assert_eq!(count("a[1:1000]b[1:1000]").unwrap(), 1_000_000);
        assert!(
            expand("a[1:1000]b[1:1000]").is_err(),
            "nested ranges multiply"
        );
        assert_eq!(expand("a[1:100]b[1:100]").unwrap().len(), 10_000);
    }

    #[test]
    fn addresses_and_ports_split_as_in_ansible() {
        let p = parse_address;
        assert_eq!(p("web:2222"), Some(("web".into(), Some(2222))));
        assert_eq!(p("[::1]:2222"), Some(("::1".into(), Some(2222))));
        assert_eq!(p("2001:db8::1"), Some(("2001:db8::1".into(), None)));
        assert_eq!(p("web[1:3]:22"), Some(("web[1:3]".into(), Some(22))));
        assert_eq!(p("10.0.0.[1:3]"), Some(("10.0.0.[1:3]".into(), None)));
        assert_eq!(p("web-"), None, "a label may not end with -");
        assert_eq!(p("host:"), None);
        assert_eq!(
            p("a~b:22"),
            None,
            "not a host name: the caller keeps it whole"
        );
    }
}
