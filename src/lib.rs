//! kokuc compiles `.koku` deployment stacks into ordered, checked Kubernetes manifests.
//!
//! The pipeline, one module per stage, data flowing one way:
//!
//! 1. [`syntax`]: text → AST with spans (pest grammar in `grammar/koku.pest`).
//! 2. [`eval`]: AST → resolved [`model::Stack`]: names, imports, functions, profiles.
//! 3. [`graph`]: the `after` graph (petgraph): cycles, waves, edge checks.
//! 4. [`check`]: names, resources and the budget on the resolved stack.
//! 5. [`emit`]: k8s-openapi objects → YAML, one file per component in wave order.
//!
//! Every stage reports [`diagnostics::Diagnostic`]s with stable codes; the CLI
//! ([`cli`]) renders them with miette. [`compile`] runs stages 1–4; [`build`] adds 5.

pub mod check;
pub mod cli;
pub mod diagnostics;
pub mod emit;
pub mod eval;
pub mod fmt;
#[doc(hidden)]
pub mod fuzz;
pub mod graph;
pub mod limits;
pub mod lsp;
pub mod model;
pub mod plan;
pub mod quantity;
pub mod render;
pub mod source;
pub mod syntax;
pub mod workspace;

use std::path::Path;
use std::sync::Arc;

use diagnostics::{Code, Diagnostic, Diagnostics};
use eval::{LoadError, Loader, SourceFacts};
use graph::DependencyGraph;
use limits::Limits;
use model::Stack;
use source::{FileId, SourceMap, Span};

/// What to compile.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub profile: Option<String>,
    pub limits: Limits,
    /// GitOps ordering annotations on the manifests.
    pub annotate: emit::Annotate,
    /// Items parsed by earlier compilations, reused where the text has not
    /// changed (the language server, several profiles of one stack).
    pub parse_cache: Option<Arc<syntax::ParseCache>>,
}

/// The outcome of compiling one stack under one profile.
pub struct Compilation {
    pub sources: SourceMap,
    pub root: Option<FileId>,
    /// Present when evaluation succeeded (checks may still have found errors).
    pub stack: Option<Stack>,
    /// Present with the stack; has waves when the graph is acyclic.
    pub graph: Option<DependencyGraph>,
    pub diagnostics: Diagnostics,
    pub facts: SourceFacts,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }
}

/// Stack size for the compiler thread: deep but bounded recursion (nesting and
/// call-depth limits) must never overflow, whatever thread the caller is on.
const COMPILER_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Runs `f` on a thread with a large stack, or inline if that thread cannot start.
pub(crate) fn with_large_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("kokuc-compiler".to_string())
            .stack_size(COMPILER_STACK_BYTES)
            .spawn_scoped(scope, f);
        match spawned {
            Ok(handle) => match handle.join() {
                Ok(value) => value,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(_) => unreachable_spawn(),
        }
    })
}

#[cold]
fn unreachable_spawn<T>() -> T {
    // Spawning fails only when the OS is out of threads or memory; there is no
    // meaningful compilation to fall back to, so this is a hard error.
    eprintln!("kokuc: cannot start the compiler thread (out of memory or threads)");
    std::process::exit(2)
}

/// Compiles the stack file at `path` (read through `loader`).
pub fn compile(loader: &dyn Loader, path: &Path, options: &Options) -> Compilation {
    with_large_stack(|| compile_inner(loader, path, options))
}

fn compile_inner(loader: &dyn Loader, path: &Path, options: &Options) -> Compilation {
    let mut sources = SourceMap::new();
    let mut diagnostics = Diagnostics::new();
    let empty = |sources, diagnostics| Compilation {
        sources,
        root: None,
        stack: None,
        graph: None,
        diagnostics,
        facts: SourceFacts::default(),
    };
    let name = path.display().to_string();
    let text = match loader.load_limited(path, options.limits.max_file_bytes) {
        Ok(text) => text,
        Err(LoadError::NotUtf8 { valid_up_to, lossy }) => {
            let id = sources.add(name, path, lossy);
            diagnostics.push(not_utf8_diagnostic(id, valid_up_to));
            return empty(sources, diagnostics);
        }
        Err(LoadError::TooLarge { size }) => {
            let id = sources.add(name, path, "");
            diagnostics.push(file_too_large(Span::new(id, 0, 0), size, options.limits.max_file_bytes));
            let mut c = empty(sources, diagnostics);
            c.root = Some(id);
            return c;
        }
        Err(e) => {
            let id = sources.add(name.clone(), path, "");
            let message = match e {
                LoadError::NotFound => format!("cannot read `{name}`: no such file"),
                LoadError::Io(m) => format!("cannot read `{name}`: {m}"),
                LoadError::NotUtf8 { .. } | LoadError::TooLarge { .. } => format!("cannot read `{name}`"),
            };
            diagnostics.push(
                Diagnostic::error(Code::K0210, message, Span::new(id, 0, 0), "")
                    .with_help("check the path; stack files usually end in `.koku`"),
            );
            return empty(sources, diagnostics);
        }
    };
    let root = sources.add(name, path, text);
    let text = sources.get(root).text.clone();
    let parsed = match &options.parse_cache {
        Some(cache) => syntax::parse_cached(root, &path.display().to_string(), &text, &options.limits, cache),
        None => syntax::parse(root, &text, &options.limits),
    };
    let file = match parsed {
        Ok(file) => file,
        Err(errors) => {
            let mut c = empty(sources, errors);
            c.root = Some(root);
            return c;
        }
    };
    let evaluation = eval::evaluate(
        &mut sources,
        loader,
        root,
        &file,
        options.profile.as_deref(),
        &options.limits,
        options.parse_cache.as_deref(),
    );
    diagnostics.extend(evaluation.diagnostics);
    let Some(stack) = evaluation.stack else {
        return Compilation {
            sources,
            root: Some(root),
            stack: None,
            graph: None,
            diagnostics,
            facts: evaluation.facts,
        };
    };
    let graph = graph::analyze(&stack, &mut diagnostics);
    check::check(&stack, &mut diagnostics);
    Compilation {
        sources,
        root: Some(root),
        stack: Some(stack),
        graph: Some(graph),
        diagnostics,
        facts: evaluation.facts,
    }
}

impl Compilation {
    /// A file of `let`s only (a library to import): it checks, but builds nothing.
    pub fn is_library(&self) -> bool {
        self.root.is_some() && self.stack.is_none() && !self.has_errors()
    }
}

/// Compiles a stack to build it: [`compile`], and a library (a file of `let`s
/// only) is an error, since there is nothing to build. [`build`] then collects
/// the manifests; `kokuc build` streams them ([`emit::stream`]).
pub fn compile_for_build(loader: &dyn Loader, path: &Path, options: &Options) -> Compilation {
    let mut compilation = compile(loader, path, options);
    if compilation.is_library() {
        let file = compilation.root.unwrap_or_default();
        compilation.diagnostics.push(
            Diagnostic::error(
                Code::K0215,
                "this file is a library (only `let`s): there is nothing to build",
                Span::new(file, 0, 0),
                "no `stack` declaration",
            )
            .with_help("build the stack file that imports it; `kokuc check` accepts libraries"),
        );
    }
    compilation
}

/// Compiles and, when there are no errors, builds the manifests.
pub fn build(loader: &dyn Loader, path: &Path, options: &Options) -> (Compilation, Option<emit::Manifests>) {
    let mut compilation = compile_for_build(loader, path, options);
    if compilation.has_errors() {
        return (compilation, None);
    }
    let emitted = match (&compilation.stack, &compilation.graph) {
        (Some(stack), Some(graph)) => Some(emit::emit(stack, graph, options.annotate).map_err(|e| (stack.span, e))),
        _ => None,
    };
    let manifests = match emitted {
        Some(Ok(m)) => Some(m),
        Some(Err((span, e))) => {
            compilation.diagnostics.push(Diagnostic::error(
                Code::K0504,
                format!("cannot serialize the manifests: {e}"),
                span,
                "this stack",
            ));
            None
        }
        None => None,
    };
    (compilation, manifests)
}

/// K0105 for a file over `--max-file-bytes`; `size` when it is known.
pub fn file_too_large(span: Span, size: Option<u64>, max: usize) -> Diagnostic {
    let size = match size {
        Some(size) => format!("{size} bytes"),
        None => format!("more than {max} bytes"),
    };
    Diagnostic::error(
        Code::K0105,
        format!("the file is {size}, more than the limit of {max} bytes"),
        span,
        "file too large",
    )
    .with_help("split the stack into imported files, or raise the limit with `--max-file-bytes`")
}

/// K0106 for a file that is not UTF-8, pointing at the first bad byte.
pub fn not_utf8_diagnostic(file: FileId, offset: usize) -> Diagnostic {
    Diagnostic::error(
        Code::K0106,
        format!("the file is not valid UTF-8 (first bad byte at offset {offset})"),
        // The lossy text holds U+FFFD at `offset`; underline exactly that character.
        Span::new(file, offset, offset + '\u{FFFD}'.len_utf8()),
        "invalid UTF-8 here",
    )
    .with_help("save the file as UTF-8; .koku files are text")
}
