//! "Did you mean" suggestions by edit distance.

/// Names longer than this (in characters) are only compared by prefix and case.
const MAX_COMPARED: usize = 256;

/// The candidate closest to `wanted`, if it is close enough to be a likely typo.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted_len = wanted.chars().count();
    let limit = (wanted_len / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == wanted {
            continue;
        }
        let candidate_len = candidate.chars().count();
        let prefix = wanted.len() >= 3 && candidate.starts_with(wanted);
        let caseless = candidate.eq_ignore_ascii_case(wanted);
        // The edit distance is at least the difference in length, and exactly that
        // for a prefix: only close names are measured, so a megabyte-long name does
        // not cost a megabyte squared.
        let distance = if prefix {
            candidate_len - wanted_len
        } else if caseless {
            wanted.chars().zip(candidate.chars()).filter(|(a, b)| a != b).count()
        } else if wanted_len.abs_diff(candidate_len) > limit || wanted_len.max(candidate_len) > MAX_COMPARED {
            continue;
        } else {
            levenshtein(wanted, candidate)
        };
        let close = distance <= limit || prefix || caseless;
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
        assert_eq!(closest("koku", ["koku-db", "koku-worker"]), Some("koku-db"));
        assert_eq!(closest("TRINO", ["trino", "trinity"]), Some("trino"));
    }

    #[test]
    fn long_names_are_cheap_and_still_matched_by_prefix() {
        let long = "a".repeat(1_000_000);
        let longer = format!("{long}b");
        let other = format!("{}c", "a".repeat(999_999));
        assert_eq!(closest(&long, [other.as_str(), longer.as_str()]), Some(longer.as_str()));
        assert_eq!(closest(&long, [other.as_str()]), None);
    }
}
