//! Profiles: overlays on the base stack, selected with `--profile`.
//!
//! A profile can add components, override fields of existing ones (deep
//! merge), remove components, and patch the stack settings. `extends` applies
//! another profile first. This module works on syntax only: it decides which
//! declarations make up the selected variant; evaluation comes after.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::diagnostics::suggest;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::syntax::ast::{ComponentItem, Expr, File, Item, LetItem, ProfileItem, ProfileStatement, StackItem};

pub struct ComponentDecl<'a> {
    pub item: &'a ComponentItem,
    pub overrides: Vec<&'a ComponentItem>,
}

pub struct Removed {
    pub name: Arc<str>,
    pub span: Span,
    pub profile: Arc<str>,
}

/// The declarations that make up one variant of the stack.
pub struct Selection<'a> {
    pub stack: Option<&'a StackItem>,
    pub stack_patches: Vec<Arc<Expr>>,
    /// The file's `let`s, with those of the selected profiles replacing or adding
    /// bindings (Nix-overlay style: the whole stack sees the profile's value).
    pub lets: Vec<&'a LetItem>,
    /// (replaced binding, the profile's binding) name spans.
    pub replaced_lets: Vec<(Span, Span)>,
    pub components: BTreeMap<Arc<str>, ComponentDecl<'a>>,
    pub removed: Vec<Removed>,
    pub profiles: Vec<&'a ProfileItem>,
    pub chain: Vec<&'a ProfileItem>,
}

pub fn select<'a>(file: &'a File, profile: Option<&str>, diagnostics: &mut Diagnostics) -> Selection<'a> {
    let mut selection = Selection {
        stack: None,
        stack_patches: Vec::new(),
        lets: Vec::new(),
        replaced_lets: Vec::new(),
        components: BTreeMap::new(),
        removed: Vec::new(),
        profiles: Vec::new(),
        chain: Vec::new(),
    };
    for item in &file.items {
        match item {
            Item::Let(l) => selection.lets.push(l),
            Item::Stack(s) => match selection.stack {
                None => selection.stack = Some(s),
                Some(first) => diagnostics.push(
                    Diagnostic::error(
                        Code::K0215,
                        "a file declares more than one stack",
                        s.name.span,
                        "second stack",
                    )
                    .with_label(first.name.span, "first stack")
                    .with_help("a stack file declares exactly one `stack`; use profiles for variants"),
                ),
            },
            Item::Component(c) => {
                if let Some(first) = selection.components.get(&c.name.text) {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::K0214,
                            format!("component `{}` is declared twice", c.name.text),
                            c.name.span,
                            "second declaration",
                        )
                        .with_label(first.item.name.span, "first declaration")
                        .with_help("rename one of them, or use a profile's `override` to change a component"),
                    );
                    continue;
                }
                selection.components.insert(
                    c.name.text.clone(),
                    ComponentDecl {
                        item: c,
                        overrides: Vec::new(),
                    },
                );
            }
            Item::Profile(p) => {
                if let Some(first) = selection.profiles.iter().find(|q| q.name.text == p.name.text) {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::K0207,
                            format!("profile `{}` is declared twice", p.name.text),
                            p.name.span,
                            "second declaration",
                        )
                        .with_label(first.name.span, "first declaration")
                        .with_help("merge the two profiles or rename one"),
                    );
                    continue;
                }
                selection.profiles.push(p);
            }
        }
    }

    if let Some(wanted) = profile {
        selection.chain = chain(&selection.profiles, wanted, diagnostics);
    }
    let chain = selection.chain.clone();
    for profile in chain {
        apply(&mut selection, profile, diagnostics);
    }
    selection
}

/// The profiles to apply for `wanted`, base-most first.
fn chain<'a>(profiles: &[&'a ProfileItem], wanted: &str, diagnostics: &mut Diagnostics) -> Vec<&'a ProfileItem> {
    let find = |name: &str| profiles.iter().copied().find(|p| &*p.name.text == name);
    let Some(mut current) = find(wanted) else {
        let span = profiles.first().map(|p| p.name.span).unwrap_or_default();
        let names: Vec<&str> = profiles.iter().map(|p| &*p.name.text).collect();
        let help = suggest::did_you_mean(wanted, "profile", names.iter().copied()).unwrap_or_else(|| {
            if names.is_empty() {
                "this stack declares no profiles".to_string()
            } else {
                format!("the profiles are: {}", names.join(", "))
            }
        });
        diagnostics.push(
            Diagnostic::error(
                Code::K0216,
                format!("unknown profile `{wanted}`"),
                span,
                if profiles.is_empty() {
                    "no profiles are declared"
                } else {
                    "profiles are declared from here"
                },
            )
            .with_help(help),
        );
        return Vec::new();
    };
    let mut out = vec![current];
    while let Some(parent) = &current.extends {
        let Some(next) = find(&parent.text) else {
            let names: Vec<&str> = profiles.iter().map(|p| &*p.name.text).collect();
            diagnostics.push(
                Diagnostic::error(
                    Code::K0216,
                    format!(
                        "profile `{}` extends unknown profile `{}`",
                        current.name.text, parent.text
                    ),
                    parent.span,
                    "no profile has this name",
                )
                .with_help(
                    suggest::did_you_mean(&parent.text, "profile", names.iter().copied())
                        .unwrap_or_else(|| format!("the profiles are: {}", names.join(", "))),
                ),
            );
            return Vec::new();
        };
        if out.iter().any(|p| p.name.text == next.name.text) {
            let names: Vec<String> = out.iter().map(|p| p.name.text.to_string()).collect();
            diagnostics.push(
                Diagnostic::error(
                    Code::K0216,
                    "profiles extend each other in a cycle",
                    parent.span,
                    "this `extends` closes the cycle",
                )
                .with_help(format!(
                    "the chain is {} -> {}; remove one `extends`",
                    names.join(" -> "),
                    next.name.text
                )),
            );
            return Vec::new();
        }
        out.push(next);
        current = next;
    }
    out.reverse();
    out
}

fn apply<'a>(selection: &mut Selection<'a>, profile: &'a ProfileItem, diagnostics: &mut Diagnostics) {
    let mut own: HashMap<&str, &LetItem> = HashMap::new();
    // Where each name is bound in `selection.lets` (its first binding), so a
    // profile of n `let`s applies in O(n).
    let mut position: HashMap<Arc<str>, usize> = HashMap::with_capacity(selection.lets.len());
    for (i, l) in selection.lets.iter().enumerate() {
        position.entry(l.name.text.clone()).or_insert(i);
    }
    for statement in &profile.statements {
        match statement {
            ProfileStatement::Let(l) => {
                if let Some(first) = own.get(&*l.name.text) {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::K0207,
                            format!("`{}` is bound twice in profile `{}`", l.name.text, profile.name.text),
                            l.name.span,
                            "second binding",
                        )
                        .with_label(first.name.span, "first binding")
                        .with_help("remove one of them"),
                    );
                    continue;
                }
                own.insert(&l.name.text, l);
                match position.get(&l.name.text).and_then(|&i| selection.lets.get_mut(i)) {
                    Some(base) => {
                        selection.replaced_lets.push((base.name.span, l.name.span));
                        *base = l;
                    }
                    None => {
                        position.insert(l.name.text.clone(), selection.lets.len());
                        selection.lets.push(l);
                    }
                }
            }
            ProfileStatement::Stack { body, .. } => selection.stack_patches.push(body.clone()),
            ProfileStatement::Add(c) => {
                if let Some(existing) = selection.components.get(&c.name.text) {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::K0217,
                            format!(
                                "profile `{}` adds component `{}`, which already exists",
                                profile.name.text, c.name.text
                            ),
                            c.name.span,
                            "added again here",
                        )
                        .with_label(existing.item.name.span, "already declared here")
                        .with_help(format!("to change it, write `override {} {{ ... }}`", c.name.text)),
                    );
                    continue;
                }
                selection.removed.retain(|r| r.name != c.name.text);
                selection.components.insert(
                    c.name.text.clone(),
                    ComponentDecl {
                        item: c,
                        overrides: Vec::new(),
                    },
                );
            }
            ProfileStatement::Override(c) => match selection.components.get_mut(&c.name.text) {
                Some(decl) => decl.overrides.push(c),
                None => diagnostics.push(missing_target(
                    selection,
                    profile,
                    "override",
                    &c.name.text,
                    c.name.span,
                )),
            },
            ProfileStatement::Remove { name, span } => {
                if selection.components.remove(&name.text).is_some() {
                    selection.removed.push(Removed {
                        name: name.text.clone(),
                        span: *span,
                        profile: profile.name.text.clone(),
                    });
                } else {
                    diagnostics.push(missing_target(selection, profile, "remove", &name.text, name.span));
                }
            }
        }
    }
}

fn missing_target(selection: &Selection<'_>, profile: &ProfileItem, verb: &str, name: &str, span: Span) -> Diagnostic {
    let removed = selection.removed.iter().find(|r| &*r.name == name);
    let mut d = Diagnostic::error(
        Code::K0217,
        format!(
            "profile `{}` cannot {verb} `{name}`: there is no such component",
            profile.name.text
        ),
        span,
        "not a component of this variant",
    );
    if let Some(r) = removed {
        return d
            .with_label(r.span, format!("removed here by profile `{}`", r.profile))
            .with_help("a removed component cannot be changed; drop this statement or the `remove`");
    }
    d = match suggest::did_you_mean(name, "component", selection.components.keys().map(|k| &**k)) {
        Some(h) => d.with_help(h),
        None => d.with_help("to add a new component, write `component NAME { ... }` in the profile"),
    };
    d
}
