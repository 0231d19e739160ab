//! "Did you mean" suggestions by edit distance.

/// The candidate closest to `wanted`, if it is close enough to be a likely typo.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (wanted.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == wanted {
            continue;
        }
        let distance = levenshtein(wanted, candidate);
        let close = distance <= limit
            || (wanted.len() >= 3 && candidate.starts_with(wanted))
            || candidate.eq_ignore_ascii_case(wanted);
        if close && best.is_none_or(|(d, c)| (distance, candidate) < (d, c)) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `help` text for a suggestion, or `None`.
pub fn did_you_mean<'a>(wanted: &str, what: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(wanted, candidates).map(|c| format!("did you mean the {what} `{c}`?"))
}

pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_but_not_unrelated_names() {
        let names = ["trino-coordinator", "trino-worker", "koku-db"];
        assert_eq!(closest("trino-cordinator", names), Some("trino-coordinator"));
        assert_eq!(closest("koku-bd", names), Some("koku-db"));
        assert_eq!(closest("redis", names), None);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }
}
