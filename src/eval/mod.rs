//! Stage 2: AST → resolved [`model::Stack`](crate::model::Stack).
//!
//! Invariant: pure. Evaluation reads files only through a [`Loader`], and never
//! the environment, the clock or the network; the same sources and profile
//! always give the same stack. Names resolve lazily, so declaration order never
//! matters. This is the only stage that resolves names, imports and profiles.

mod budget;
mod builtins;
mod expr;
mod import;
pub mod loader;
pub mod lower;
pub mod profile;
mod scope;
pub mod value;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::limits::Limits;
use crate::model;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{self, Name};
use crate::syntax::ParseCache;

pub use loader::{FsLoader, LoadError, Loader, MemoryLoader};
use scope::{FrameId, Scopes, Slot, SlotState};
use value::{Builtin, BuiltinCall, Value, ValueKind};

/// Marker: evaluation of this value failed and the diagnostic is already reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failed;

pub(crate) type R<T> = Result<T, Failed>;

pub(crate) enum ModuleState {
    Loading,
    Loaded(Value),
    Failed,
}

/// Facts about the evaluated source that the editor uses (references, profiles).
#[derive(Debug, Clone, Default)]
pub struct SourceFacts {
    /// Every place a component is named by an identifier: (component, span).
    pub references: Vec<(String, Span)>,
    /// Every component declaration: (name, name span, declaration span), including profile additions.
    pub declarations: Vec<(String, Span, Span)>,
    /// Declared profiles: (name, span of the name).
    pub profiles: Vec<(String, Span)>,
    /// `let`s the selected profile replaced: (the file's binding, the profile's binding).
    pub replaced_lets: Vec<(Span, Span)>,
    /// Components named by profile statements (`override x`, `remove x`), in every profile.
    pub targets: Vec<(String, Span)>,
}

pub struct Evaluator<'a> {
    pub(crate) loader: &'a dyn Loader,
    pub(crate) limits: &'a Limits,
    /// Items parsed by earlier compilations, for imported files (see `syntax::ParseCache`).
    pub(crate) parse_cache: Option<&'a ParseCache>,
    pub(crate) sources: &'a mut SourceMap,
    pub(crate) diagnostics: Diagnostics,
    pub(crate) scopes: Scopes,
    /// Names that resolve to components when no variable shadows them.
    pub(crate) component_names: HashSet<Arc<str>>,
    pub(crate) references: Vec<(Arc<str>, Span)>,
    pub(crate) modules: HashMap<PathBuf, ModuleState>,
    pub(crate) import_chain: Vec<(PathBuf, Span)>,
    pub(crate) builtins_frame: FrameId,
    pub(crate) depth: usize,
    /// Function calls in progress, for recursion diagnostics.
    pub(crate) calls: Vec<(Arc<str>, Span)>,
    /// Lazy bindings being computed, for recursion diagnostics.
    pub(crate) forcing: Vec<(Arc<str>, Span)>,
    /// Evaluation steps spent so far (see `budget`).
    pub(crate) steps: u64,
    /// The step budget ran out (reported once; every later evaluation fails).
    pub(crate) out_of_steps: bool,
    /// Evaluation went deeper than it may (reported once).
    pub(crate) too_deep_reported: bool,
}

impl<'a> Evaluator<'a> {
    fn new(
        loader: &'a dyn Loader,
        limits: &'a Limits,
        parse_cache: Option<&'a ParseCache>,
        sources: &'a mut SourceMap,
    ) -> Evaluator<'a> {
        let mut scopes = Scopes::default();
        let builtins = Builtin::ALL
            .iter()
            .map(|b| Slot {
                name: Arc::from(b.name()),
                span: Span::default(),
                state: SlotState::Done(Value::new(
                    ValueKind::Builtin(Rc::new(BuiltinCall {
                        builtin: *b,
                        args: Vec::new(),
                    })),
                    Span::default(),
                )),
            })
            .collect();
        let builtins_frame = scopes.new_frame(None, builtins);
        Evaluator {
            loader,
            limits,
            parse_cache,
            sources,
            diagnostics: Diagnostics::new(),
            scopes,
            component_names: HashSet::new(),
            references: Vec::new(),
            modules: HashMap::new(),
            import_chain: Vec::new(),
            builtins_frame,
            depth: 0,
            calls: Vec::new(),
            forcing: Vec::new(),
            steps: 0,
            out_of_steps: false,
            too_deep_reported: false,
        }
    }

    pub(crate) fn report(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    pub(crate) fn fail(&mut self, d: Diagnostic) -> Failed {
        self.diagnostics.push(d);
        Failed
    }

    pub(crate) fn record_reference(&mut self, name: &Name) {
        self.references.push((name.text.clone(), name.span));
    }
}

fn let_slots(lets: &[&ast::LetItem], target: FrameId, diagnostics: &mut Diagnostics) -> Vec<Slot> {
    let mut slots: Vec<Slot> = Vec::with_capacity(lets.len());
    let mut seen: HashMap<&str, Span> = HashMap::with_capacity(lets.len());
    for l in lets {
        if let Some(first) = seen.get(&*l.name.text) {
            diagnostics.push(
                Diagnostic::error(
                    Code::K0207,
                    format!("`{}` is bound twice", l.name.text),
                    l.name.span,
                    "second binding",
                )
                .with_label(*first, "first binding")
                .with_help("rename or remove one of them"),
            );
            continue;
        }
        seen.insert(&l.name.text, l.name.span);
        slots.push(Slot {
            name: l.name.text.clone(),
            span: l.name.span,
            state: SlotState::Pending {
                expr: l.value.clone(),
                frame: target,
            },
        });
    }
    slots
}

/// The result of evaluating a stack file with one profile.
pub struct Evaluation {
    pub stack: Option<model::Stack>,
    pub diagnostics: Diagnostics,
    pub facts: SourceFacts,
}

/// Evaluates a parsed stack file under an optional profile.
pub fn evaluate(
    sources: &mut SourceMap,
    loader: &dyn Loader,
    root: FileId,
    file: &ast::File,
    profile: Option<&str>,
    limits: &Limits,
    parse_cache: Option<&ParseCache>,
) -> Evaluation {
    let mut early = Diagnostics::new();
    let selection = profile::select(file, profile, &mut early);
    // Every profile's structure (its `extends`, and what it adds, overrides or
    // removes) is checked whichever profile is selected: a broken variant should
    // not wait for someone to build it.
    for other in selection.profiles.iter().map(|p| p.name.text.clone()) {
        if profile == Some(&*other) {
            continue;
        }
        let mut scratch = Diagnostics::new();
        let _ = profile::select(file, Some(&other), &mut scratch);
        for d in scratch {
            if matches!(d.code, Code::K0216 | Code::K0217) && !early.iter().any(|e| *e == d) {
                early.push(d);
            }
        }
    }
    let mut facts = SourceFacts {
        profiles: selection
            .profiles
            .iter()
            .map(|p| (p.name.text.to_string(), p.name.span))
            .collect(),
        replaced_lets: selection.replaced_lets.clone(),
        ..SourceFacts::default()
    };
    for item in &file.items {
        match item {
            ast::Item::Component(c) => facts.declarations.push((c.name.text.to_string(), c.name.span, c.span)),
            ast::Item::Profile(p) => {
                for s in &p.statements {
                    match s {
                        ast::ProfileStatement::Add(c) => {
                            facts.declarations.push((c.name.text.to_string(), c.name.span, c.span));
                        }
                        // `override x` and `remove x` name a component too (for the editor).
                        ast::ProfileStatement::Override(c) => {
                            facts.targets.push((c.name.text.to_string(), c.name.span));
                        }
                        ast::ProfileStatement::Remove { name, .. } => {
                            facts.targets.push((name.text.to_string(), name.span));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    let is_library = file.items.iter().all(|i| matches!(i, ast::Item::Let(_)));
    if is_library && !file.items.is_empty() {
        let ev = Evaluator::new(loader, limits, parse_cache, sources);
        return evaluate_library(ev, root, file, facts, early);
    }
    let Some(stack_item) = selection.stack else {
        let span = file.items.first().map_or(Span::new(root, 0, 0), |i| {
            let s = i.span();
            Span::new(root, s.start as usize, s.start as usize)
        });
        early.push(
            Diagnostic::error(Code::K0215, "this file declares no stack", span, "expected a `stack NAME { ... }` declaration")
                .with_help("a stack file needs `stack NAME { namespace = \"...\"; }`; files that only hold `let`s are libraries to import"),
        );
        return Evaluation {
            stack: None,
            diagnostics: early,
            facts,
        };
    };
    if selection.components.len() > limits.max_components {
        early.push(
            Diagnostic::error(
                Code::K0105,
                format!(
                    "the stack declares {} components, more than the limit of {}",
                    selection.components.len(),
                    limits.max_components
                ),
                stack_item.name.span,
                "too many components",
            )
            .with_help("raise the limit with `--max-components` if this is intended"),
        );
        return Evaluation {
            stack: None,
            diagnostics: early,
            facts,
        };
    }

    let root_path = import::normalize(&sources.get(root).path);
    let mut ev = Evaluator::new(loader, limits, parse_cache, sources);
    // Importing the stack file from one of its imports is a cycle, like any other.
    ev.modules.insert(root_path, ModuleState::Loading);
    ev.diagnostics.extend(early);
    ev.component_names = selection.components.keys().cloned().collect();
    ev.component_names
        .extend(selection.removed.iter().map(|r| r.name.clone()));

    let root_target = ev.scopes.next_frame_id();
    let root_slots = let_slots(&selection.lets, root_target, &mut ev.diagnostics);
    let root_frame = ev.scopes.new_frame(Some(ev.builtins_frame), root_slots);

    // The stack settings, with profile patches merged in order.
    let mut stack_value = ev.eval(&stack_item.body, root_frame).ok();
    for patch in &selection.stack_patches {
        let patch_value = ev.eval(patch, root_frame);
        if let (Some(base), Ok(patch_value)) = (stack_value.take(), patch_value) {
            stack_value = ev.merge_values(base, patch_value, patch.span).ok();
        }
    }

    let mut components = Vec::with_capacity(selection.components.len());
    for (name, decl) in &selection.components {
        let Ok(mut value) = ev.component_value(&decl.item.value, root_frame) else {
            continue;
        };
        let mut overridden = Vec::new();
        let mut ok = true;
        for item in &decl.overrides {
            match ev.component_value(&item.value, root_frame) {
                Ok(patch) => match ev.merge_values(value.clone(), patch, item.span) {
                    Ok(merged) => {
                        value = merged;
                        overridden.push(item.name.span);
                    }
                    Err(Failed) => ok = false,
                },
                Err(Failed) => ok = false,
            }
        }
        if ok {
            components.push(lower::ComponentValue {
                name: name.clone(),
                name_span: decl.item.name.span,
                span: decl.item.span,
                value,
                overridden,
            });
        }
    }

    // Report problems in bindings that nothing used, too: a stack is checked whole.
    for slot in ev.scopes.frame_slots(root_frame) {
        let span = ev.scopes.slot(slot).span;
        let _ = ev.force(slot, span);
    }

    let removed: Vec<lower::RemovedComponent> = selection
        .removed
        .iter()
        .map(|r| lower::RemovedComponent {
            name: r.name.to_string(),
            span: r.span,
            profile: r.profile.to_string(),
        })
        .collect();

    let stack = stack_value.and_then(|stack_value| {
        let input = lower::LowerInput {
            stack_name: &stack_item.name,
            stack_span: stack_item.span,
            stack_value,
            components,
            removed,
            profile: profile.map(str::to_string),
            max_string_bytes: limits.max_string_bytes,
        };
        lower::lower(input, &mut ev.diagnostics)
    });

    facts.references = ev.references.iter().map(|(n, s)| (n.to_string(), *s)).collect();
    let mut diagnostics = std::mem::take(&mut ev.diagnostics);
    if diagnostics.has_errors() {
        return Evaluation {
            stack: None,
            diagnostics,
            facts,
        };
    }
    if stack.is_none() {
        diagnostics.push(Diagnostic::error(
            Code::K0215,
            "the stack could not be evaluated",
            stack_item.name.span,
            "here",
        ));
    }
    Evaluation {
        stack,
        diagnostics,
        facts,
    }
}

/// A file of `let`s only: evaluate every binding (reporting its errors) and
/// produce no stack. `kokuc check` accepts it; `kokuc build` has nothing to build.
fn evaluate_library(
    mut ev: Evaluator<'_>,
    root: FileId,
    file: &ast::File,
    mut facts: SourceFacts,
    early: Diagnostics,
) -> Evaluation {
    let root_path = import::normalize(&ev.sources.get(root).path);
    ev.modules.insert(root_path, ModuleState::Loading);
    ev.diagnostics.extend(early);
    let lets: Vec<&ast::LetItem> = file
        .items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Let(l) => Some(l),
            _ => None,
        })
        .collect();
    let target = ev.scopes.next_frame_id();
    let slots = let_slots(&lets, target, &mut ev.diagnostics);
    let frame = ev.scopes.new_frame(Some(ev.builtins_frame), slots);
    for slot in ev.scopes.frame_slots(frame) {
        let span = ev.scopes.slot(slot).span;
        let _ = ev.force(slot, span);
    }
    facts.references = ev.references.iter().map(|(n, s)| (n.to_string(), *s)).collect();
    Evaluation {
        stack: None,
        diagnostics: std::mem::take(&mut ev.diagnostics),
        facts,
    }
}

impl Evaluator<'_> {
    fn component_value(&mut self, expr: &ast::Expr, frame: FrameId) -> R<Value> {
        let value = self.eval(expr, frame)?;
        match &value.kind {
            ValueKind::Attrs(_) => Ok(value),
            ValueKind::Unknown(_) => Err(self.unknown_name(&value)),
            _ => Err(self.fail(
                Diagnostic::error(
                    Code::K0202,
                    format!("a component must be an attribute set, found {}", value.type_name()),
                    value.origin,
                    format!("this is {}", value.type_name()),
                )
                .with_label(expr.span, "the component's value")
                .with_help("write `component NAME { image = ...; }` or call a template that returns `{ ... }`"),
            )),
        }
    }
}

/// The path `import "relative"` written in the file at `importer` loads.
pub fn normalize_import(importer: &std::path::Path, relative: &str) -> PathBuf {
    let base = importer.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
    import::normalize(&base.join(relative))
}
