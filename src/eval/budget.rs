//! The evaluator's hard limits: a budget of evaluation steps, string and list
//! sizes, and the depth of recursion, each a diagnostic instead of a hang, a
//! runaway allocation or a stack overflow.
//!
//! The step budget is what keeps a small file from doing unbounded work: a
//! function that calls itself twice per level is exponential within any call
//! depth, and `//` or `==` on values that share structure can visit far more
//! nodes than the file has. Every evaluation, call and comparison costs one
//! step, every list element copied or field merged two (they allocate), and
//! every 16 bytes of string built one, so that the default budget also bounds
//! memory to a few hundred megabytes.

use std::sync::Arc;

use super::value::{TextPart, Value};
use super::{Evaluator, Failed, R};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

/// Bytes of string built per step.
const BYTES_PER_STEP: usize = 16;

/// Steps per list element copied or attribute-set field merged.
pub(crate) const STEPS_PER_ELEMENT: u64 = 2;

/// How many calls of a repeating chain a recursion diagnostic labels at most.
const MAX_CHAIN_LABELS: usize = 8;

impl Evaluator<'_> {
    /// Spends `steps` of the budget; past it, reports once and fails every later evaluation.
    pub(crate) fn charge(&mut self, steps: u64, span: Span) -> R<()> {
        if self.out_of_steps {
            return Err(Failed);
        }
        self.steps = self.steps.saturating_add(steps);
        if self.steps <= self.limits.max_eval_steps {
            return Ok(());
        }
        self.out_of_steps = true;
        let mut d = Diagnostic::error(
            Code::K0105,
            format!("evaluation takes more than {} steps", self.limits.max_eval_steps),
            span,
            "the budget ran out while evaluating this",
        );
        let chain = self.call_names();
        let help = if chain.is_empty() {
            "a value is built or compared far more often than the file suggests; \
             raise the limit with `--max-eval-steps` if the stack is really this large"
                .to_string()
        } else {
            format!(
                "it was evaluating {}: a function that calls itself more than once per step grows exponentially; \
                 raise the limit with `--max-eval-steps` if the stack is really this large",
                chain.join(" -> ")
            )
        };
        d = d.with_help(help);
        Err(self.fail(d))
    }

    /// The names of the calls in progress, outermost first (at most the innermost few).
    fn call_names(&self) -> Vec<String> {
        let skip = self.calls.len().saturating_sub(MAX_CHAIN_LABELS);
        self.calls.iter().skip(skip).map(|(n, _)| n.to_string()).collect()
    }

    /// Charges for and checks a string of `len` bytes being built at `span`.
    pub(crate) fn check_string_len(&mut self, len: usize, span: Span) -> R<()> {
        if len > self.limits.max_string_bytes {
            return Err(self.fail(
                Diagnostic::error(
                    Code::K0105,
                    format!(
                        "a string of {len} bytes exceeds the limit of {} bytes",
                        self.limits.max_string_bytes
                    ),
                    span,
                    "string too long",
                )
                .with_help("keep large content in a ConfigMap outside the stack, or raise `--max-string-bytes`"),
            ));
        }
        self.charge(u64::try_from(len / BYTES_PER_STEP).unwrap_or(u64::MAX), span)
    }

    /// A string value from its parts, after checking its length.
    pub(crate) fn checked_text(&mut self, parts: Vec<TextPart>, span: Span) -> R<Value> {
        let len = parts.iter().fold(0usize, |n, p| {
            n.saturating_add(match p {
                TextPart::Literal(s) => s.len(),
                // Resolved later to at least the component's name.
                TextPart::Address(a) => a.component.len().max(1),
            })
        });
        self.check_string_len(len, span)?;
        Ok(super::expr::text_value(parts, span))
    }

    /// Charges for and checks a list of `len` elements being built at `span`.
    pub(crate) fn check_list_len(&mut self, len: usize, span: Span) -> R<()> {
        if len > self.limits.max_list_items {
            return Err(self.fail(
                Diagnostic::error(
                    Code::K0105,
                    format!(
                        "a list of {len} elements exceeds the limit of {}",
                        self.limits.max_list_items
                    ),
                    span,
                    "list too long",
                )
                .with_help("a list this long is usually built by accident in a recursive function; raise `--max-list-items` if it is intended"),
            ));
        }
        self.charge(
            u64::try_from(len).unwrap_or(u64::MAX).saturating_mul(STEPS_PER_ELEMENT),
            span,
        )
    }

    /// K0209 for a call that would nest more than `max_call_depth` calls deep,
    /// naming the repeating chain of calls when there is one (`f -> g -> f`).
    pub(crate) fn call_depth_exceeded(&mut self, callee: &Arc<str>, call_span: Span, defined: Span) -> Failed {
        let names: Vec<&str> = self.calls.iter().map(|(n, _)| &**n).collect();
        let period = repeating_period(&names);
        let mut d = Diagnostic::error(
            Code::K0209,
            match period {
                Some(p) => format!(
                    "infinite recursion: {} (more than {} nested calls)",
                    describe_cycle(&names[names.len() - p..]),
                    self.limits.max_call_depth
                ),
                None => format!(
                    "infinite recursion: more than {} nested function calls",
                    self.limits.max_call_depth
                ),
            },
            call_span,
            format!("`{callee}` is called here again"),
        )
        .with_label(defined, "the function is defined here");
        let help = match period {
            Some(p) => {
                let first = self.calls.len() - p;
                for k in first..self.calls.len() {
                    let caller = k.checked_sub(1).map_or("the stack", |c| &*self.calls[c].0);
                    let (callee, span) = &self.calls[k];
                    if *span != call_span {
                        d = d.with_label(*span, format!("`{caller}` calls `{callee}` here"));
                    }
                }
                let mut cycle: Vec<&str> = names[first..].to_vec();
                cycle.push(names[first]);
                format!(
                    "the cycle of calls {} never ends; make sure the recursion reaches a case that does not call \
                     again (or raise `--max-call-depth` if the recursion really is this deep)",
                    cycle.join(" -> ")
                )
            }
            None => format!(
                "the innermost calls are {} -> {callee}; make sure the recursion reaches a case that does not \
                 call again (or raise `--max-call-depth`)",
                self.call_names().join(" -> ")
            ),
        };
        self.fail(d.with_help(help))
    }

    /// K0209 for evaluation nested deeper than the evaluator allows (long chains
    /// of `let`s that refer to each other, or calls nested in deep expressions).
    pub(crate) fn eval_too_deep(&mut self, span: Span, max: usize) -> Failed {
        // One report: every chain this deep fails the same way.
        if std::mem::replace(&mut self.too_deep_reported, true) {
            return Failed;
        }
        let lets: Vec<&str> = self
            .forcing
            .iter()
            .rev()
            .take(MAX_CHAIN_LABELS)
            .map(|(n, _)| &**n)
            .collect();
        let mut help = String::from("a chain of bindings or calls this long is almost always a mistake");
        if !lets.is_empty() {
            help.push_str(&format!(
                "; the innermost bindings being computed are {}",
                lets.join(" <- ")
            ));
        }
        let calls = self.call_names();
        if !calls.is_empty() {
            help.push_str(&format!("; the innermost calls are {}", calls.join(" -> ")));
        }
        self.fail(
            Diagnostic::error(
                Code::K0209,
                format!("evaluation is nested more than {max} levels deep"),
                span,
                "while evaluating this",
            )
            .with_help(help),
        )
    }
}

/// The shortest period `p` with which the last calls repeat: the last three
/// runs of `p` calls are equal (two when the chain is shorter), if any.
fn repeating_period(names: &[&str]) -> Option<usize> {
    let n = names.len();
    (1..=n / 2).take(64).find(|&p| {
        let checked = if n >= 3 * p { 2 * p } else { p };
        (0..checked).all(|i| names[n - 1 - i] == names[n - 1 - i - p])
    })
}

/// `` `f` calls itself `` or `` `f` calls `g`, which calls `f` ``.
fn describe_cycle(cycle: &[&str]) -> String {
    match cycle {
        [one] => format!("`{one}` calls itself"),
        _ => {
            let mut parts: Vec<String> = cycle.iter().map(|n| format!("`{n}`")).collect();
            parts.push(format!("`{}`", cycle[0]));
            format!("{} call each other in a cycle", parts.join(" -> "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_shortest_repeating_chain() {
        assert_eq!(repeating_period(&["main", "f", "f", "f", "f"]), Some(1));
        assert_eq!(repeating_period(&["main", "f", "g", "f", "g", "f", "g"]), Some(2));
        assert_eq!(repeating_period(&["a", "b", "c"]), None);
        assert_eq!(repeating_period(&[]), None);
    }

    #[test]
    fn describes_cycles() {
        assert_eq!(describe_cycle(&["f"]), "`f` calls itself");
        assert_eq!(
            describe_cycle(&["f", "g"]),
            "`f` -> `g` -> `f` call each other in a cycle"
        );
    }
}
