//! Image references: every image is pinned to a tag other than `latest` or to
//! a digest (K0410), and is a well-formed reference (K0411).

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{Component, Gate, Stack, WorkloadKind};
use crate::source::Span;

/// The parts of an image reference that matter for pinning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef<'a> {
    pub name: &'a str,
    pub tag: Option<&'a str>,
    /// `sha256:<hex>`, without the `@`.
    pub digest: Option<&'a str>,
}

impl ImageRef<'_> {
    /// Does the reference name the same bytes every time it is pulled?
    pub fn is_digest(&self) -> bool {
        self.digest.is_some()
    }

    /// `:latest`, or no tag and no digest (which means `:latest`).
    pub fn is_mutable(&self) -> bool {
        self.digest.is_none() && self.tag.is_none_or(|t| t == "latest")
    }
}

/// Parses `[registry[:port]/]path[:tag][@algorithm:hex]`, or says what is wrong.
pub fn parse(image: &str) -> Result<ImageRef<'_>, String> {
    if image.is_empty() {
        return Err("it is empty".to_string());
    }
    if let Some(c) = image.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("it contains {:?}", c));
    }
    let (rest, digest) = match image.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (image, None),
    };
    if let Some(digest) = digest {
        let (algorithm, hex) = digest
            .split_once(':')
            .ok_or_else(|| format!("the digest `{digest}` has no algorithm (write `sha256:<hex>`)"))?;
        let length = match algorithm {
            "sha256" => 64,
            "sha384" => 96,
            "sha512" => 128,
            other => {
                return Err(format!(
                    "`{other}` is not a digest algorithm (sha256, sha384 or sha512)"
                ))
            }
        };
        if hex.len() != length || !hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)) {
            return Err(format!(
                "a {algorithm} digest is {length} lower-case hex digits, not `{hex}`"
            ));
        }
    }
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        let valid = !tag.is_empty()
            && tag.len() <= 128
            && !tag.starts_with(['.', '-'])
            && tag.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !valid {
            return Err(format!(
                "`{tag}` is not a valid tag (up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`)"
            ));
        }
    }
    if name.is_empty() || name.starts_with('/') || name.ends_with('/') || name.contains("//") {
        return Err(format!("`{name}` is not an image name"));
    }
    // The first segment is a registry host when it looks like one; the path must be lower-case.
    let mut segments: Vec<&str> = name.split('/').collect();
    if segments.len() > 1 && (segments[0].contains(['.', ':']) || segments[0] == "localhost") {
        segments.remove(0);
    }
    for segment in segments {
        let ok = segment
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
            && segment.starts_with(|c: char| c.is_ascii_alphanumeric())
            && segment.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !ok {
            return Err(format!(
                "the repository path segment `{segment}` must be lower-case letters, digits and separators"
            ));
        }
    }
    Ok(ImageRef { name, tag, digest })
}

/// Checks every image a stack runs: components, exec gates, and the gate images.
pub fn check_images(stack: &Stack, diagnostics: &mut Diagnostics) {
    let gate_images = [
        (&stack.gates.image, "gates.image"),
        (&stack.gates.kubectl_image, "gates.kubectl_image"),
    ];
    for (image, field) in gate_images {
        check_one(image, stack.span, None, &format!("the stack's `{field}`"), diagnostics);
    }
    for c in &stack.components {
        if c.kind.value == WorkloadKind::External {
            continue;
        }
        if let Some(image) = c.image.as_ref().filter(|i| !i.value.trim().is_empty()) {
            check_one(&image.value, image.span, Some(c), &format!("`{}`", c.name), diagnostics);
        }
        for edge in &c.after {
            if let Some(gate) = &edge.gate {
                if let Gate::Exec { image: Some(image), .. } = &gate.value {
                    let what = format!("the gate of `{}` on `{}`", c.name, edge.target);
                    check_one(image, gate.span, Some(c), &what, diagnostics);
                }
            }
        }
    }
}

fn check_one(image: &str, span: Span, c: Option<&Component>, what: &str, diagnostics: &mut Diagnostics) {
    match parse(image) {
        Err(problem) => diagnostics.push(
            Diagnostic::error(
                Code::K0411,
                format!("the image of {what}, `{image}`, is not a valid image reference: {problem}"),
                span,
                "invalid image reference",
            )
            .with_help("write `registry/path:tag` or `registry/path@sha256:<digest>`"),
        ),
        Ok(r) if r.is_mutable() => {
            if c.is_some_and(|c| c.policy.security.mutable_tag.is_some()) {
                return; // relaxed explicitly: reported as a note with the other relaxations
            }
            let how = if r.tag.is_some() {
                "the `latest` tag"
            } else {
                "no tag (that is, `latest`)"
            };
            diagnostics.push(
                Diagnostic::error(
                    Code::K0410,
                    format!("the image of {what}, `{image}`, uses {how}"),
                    span,
                    "moves whenever someone pushes",
                )
                .with_help(format!(
                    "pin a version (`{}:1.2.3`) or, better, a digest (`{}@sha256:...`); the same build must always run the same image",
                    r.name, r.name
                )),
            );
        }
        Ok(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn references() {
        let r = parse("docker.io/library/postgres:16.4").unwrap();
        assert_eq!(
            (r.name, r.tag, r.digest),
            ("docker.io/library/postgres", Some("16.4"), None)
        );
        assert!(!r.is_mutable() && !r.is_digest());

        let r = parse("localhost:5000/app").unwrap();
        assert_eq!((r.name, r.tag), ("localhost:5000/app", None));
        assert!(r.is_mutable());

        assert!(parse("redis:latest").unwrap().is_mutable());
        let digest = format!("redis:latest@sha256:{}", "a".repeat(64));
        let r = parse(&digest).unwrap();
        assert!(r.is_digest() && !r.is_mutable());

        assert!(parse("redis@sha256:abc").is_err());
        assert!(parse(&format!("redis@md5:{}", "a".repeat(32))).is_err());
        assert!(parse("Docker.io/Library/Redis:7").is_err());
        assert!(parse("redis:").is_err());
        assert!(parse("redis:7 ").is_err());
        assert!(parse("quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z").is_ok());
    }
}
