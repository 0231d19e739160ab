//! Stable diagnostic codes. A code is never reused or renumbered.
//!
//! Ranges follow the stages: K01xx syntax, K02xx evaluation, K03xx graph,
//! K04xx checks on the resolved stack, K05xx output, K06xx the plan
//! (`kokuc plan`, `report`, `diff`). Each code has a long
//! explanation in `docs/codes/KNNNN.md`, shown by `kokuc explain KNNNN`.

macro_rules! codes {
    ($($variant:ident => $title:literal,)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => stringify!($variant),)*
                }
            }

            /// One line saying what the code is about.
            pub fn title(self) -> &'static str {
                match self {
                    $(Code::$variant => $title,)*
                }
            }

            /// The long explanation (markdown), with an example and the fix.
            pub fn explanation(self) -> &'static str {
                match self {
                    $(Code::$variant => include_str!(concat!("../../docs/codes/", stringify!($variant), ".md")),)*
                }
            }
        }
    };
}

codes! {
    K0101 => "syntax error",
    K0102 => "unknown unit on a quantity",
    K0103 => "invalid number",
    K0104 => "invalid escape in a string",
    K0105 => "input exceeds a hard limit",
    K0106 => "file is not valid UTF-8 text",
    K0201 => "unknown name",
    K0202 => "type mismatch",
    K0203 => "unit mismatch",
    K0204 => "arithmetic error",
    K0205 => "missing field",
    K0206 => "unknown field",
    K0207 => "duplicate key",
    K0208 => "bad function call",
    K0209 => "infinite recursion",
    K0210 => "import failed",
    K0211 => "import cycle",
    K0212 => "invalid value",
    K0213 => "missing attribute",
    K0214 => "duplicate component",
    K0215 => "missing or duplicate stack declaration",
    K0216 => "unknown profile",
    K0217 => "profile targets a component that is not there",
    K0218 => "invalid component reference",
    K0219 => "declaration not allowed in an imported file",
    K0301 => "unknown component in `after`",
    K0302 => "component comes after itself",
    K0303 => "dependency cycle",
    K0304 => "gate that can never open",
    K0305 => "completion gate on a Job that deletes itself",
    K0306 => "removed component is still needed",
    K0307 => "reference without an `after` edge",
    K0308 => "gate does not fit its target",
    K0309 => "duplicate `after` edge",
    K0401 => "invalid Kubernetes name",
    K0402 => "request greater than limit",
    K0403 => "budget exceeded",
    K0404 => "missing image",
    K0405 => "storage shared by several replicas",
    K0406 => "duplicate port or environment variable",
    K0410 => "image tag that moves",
    K0411 => "invalid image reference",
    K0412 => "container without a limit",
    K0413 => "relaxed security default",
    K0414 => "security relaxation without a reason",
    K0415 => "conflicting security settings",
    K0416 => "singleton with several replicas",
    K0417 => "disruption budget that blocks every eviction",
    K0418 => "disruption budget on a single replica",
    K0419 => "invalid ingress rule",
    K0502 => "output directory not written by kokuc",
    K0503 => "symlink in the output path",
    K0504 => "cannot write output",
    K0601 => "needless serialisation on the critical path",
    K0602 => "gate times out before its target is expected ready",
    K0603 => "plan figures overflow",
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = ();
    fn from_str(s: &str) -> Result<Code, ()> {
        let wanted = s.trim().to_ascii_uppercase();
        Code::ALL.iter().copied().find(|c| c.as_str() == wanted).ok_or(())
    }
}
