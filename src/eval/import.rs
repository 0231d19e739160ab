//! `import "path.koku"`: loads another file and yields its `let` bindings as an
//! attribute set. Paths are relative to the importing file; each file is
//! evaluated once per compilation, and a cycle is reported with its chain.

use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use super::loader::LoadError;
use super::value::{Attrs, Field, Value, ValueKind};
use super::{Evaluator, Failed, ModuleState, R};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast::{ImportPath, Item};

impl Evaluator<'_> {
    pub(crate) fn import(&mut self, import: &ImportPath) -> R<Value> {
        let base = self
            .sources
            .try_get(import.span.file)
            .map(|f| f.path.parent().map(Path::to_path_buf).unwrap_or_default())
            .unwrap_or_default();
        let path = normalize(&base.join(&import.path));

        match self.modules.get(&path) {
            Some(ModuleState::Loaded(v)) => {
                let mut v = v.clone();
                v.origin = import.span;
                return Ok(v);
            }
            Some(ModuleState::Failed) => return Err(Failed),
            Some(ModuleState::Loading) => return Err(self.import_cycle(&path, import)),
            None => {}
        }
        if self.import_chain.len() >= self.limits.max_import_depth {
            return Err(self.fail(
                Diagnostic::error(
                    Code::K0105,
                    format!(
                        "imports are nested more than {} files deep",
                        self.limits.max_import_depth
                    ),
                    import.span,
                    "import depth limit reached here",
                )
                .with_help("flatten the library structure, or raise the limit with `--max-import-depth`"),
            ));
        }

        self.modules.insert(path.clone(), ModuleState::Loading);
        self.import_chain.push((path.clone(), import.span));
        let result = self.load_module(&path, import);
        self.import_chain.pop();
        match result {
            Ok(v) => {
                self.modules.insert(path, ModuleState::Loaded(v.clone()));
                let mut v = v;
                v.origin = import.span;
                Ok(v)
            }
            Err(Failed) => {
                self.modules.insert(path, ModuleState::Failed);
                Err(Failed)
            }
        }
    }

    fn load_module(&mut self, path: &Path, import: &ImportPath) -> R<Value> {
        let text = match self.loader.load_limited(path, self.limits.max_file_bytes) {
            Ok(text) => text,
            Err(LoadError::NotFound) => {
                return Err(self.fail(
                    Diagnostic::error(
                        Code::K0210,
                        format!("cannot import `{}`: no such file", import.path),
                        import.span,
                        format!("looked for {}", path.display()),
                    )
                    .with_help("import paths are relative to the file that contains the import"),
                ))
            }
            Err(LoadError::Io(message)) => {
                return Err(self.fail(
                    Diagnostic::error(
                        Code::K0210,
                        format!("cannot import `{}`: {message}", import.path),
                        import.span,
                        format!("while reading {}", path.display()),
                    )
                    .with_help("check that the file is readable"),
                ))
            }
            Err(LoadError::TooLarge { size }) => {
                let mut d = crate::file_too_large(import.span, size, self.limits.max_file_bytes);
                d.message = format!("cannot import `{}`: {}", import.path, d.message);
                return Err(self.fail(d));
            }
            Err(LoadError::NotUtf8 { valid_up_to, lossy }) => {
                let id = self.sources.add(path.display().to_string(), path, lossy);
                return Err(
                    self.fail(crate::not_utf8_diagnostic(id, valid_up_to).with_label(import.span, "imported here"))
                );
            }
        };
        let name = display_name(self.sources.get(import.span.file).name.as_str(), &import.path);
        let file_id = self.sources.add(name, path, text);
        let file_text = self.sources.get(file_id).text.clone();
        let parsed = match self.parse_cache {
            Some(cache) => {
                let key = path.display().to_string();
                crate::syntax::parse_cached(file_id, &key, &file_text, self.limits, cache)
            }
            None => crate::syntax::parse(file_id, &file_text, self.limits),
        };
        let ast = match parsed {
            Ok(ast) => ast,
            Err(diagnostics) => {
                for d in diagnostics {
                    self.report(d);
                }
                return Err(Failed);
            }
        };
        self.module_value(file_id, &ast.items, import.span)
    }

    fn module_value(&mut self, file: FileId, items: &[Item], import_span: Span) -> R<Value> {
        let target = self.scopes.next_frame_id();
        let mut failed = false;
        let mut lets = Vec::new();
        for item in items {
            match item {
                Item::Let(l) => lets.push(l),
                other => {
                    let what = match other {
                        Item::Stack(_) => "a `stack`",
                        Item::Component(_) => "a `component`",
                        _ => "a `profile`",
                    };
                    self.report(
                        Diagnostic::error(
                            Code::K0219,
                            format!("an imported file cannot declare {what}"),
                            other.span(),
                            "not allowed in a library",
                        )
                        .with_label(import_span, "imported here")
                        .with_help("libraries export values with `let`; declare components in the stack file, e.g. `component x = lib.template { ... };`"),
                    );
                    failed = true;
                }
            }
        }
        let errors_before = self.diagnostics.error_count();
        let slots = super::let_slots(&lets, target, &mut self.diagnostics);
        failed |= self.diagnostics.error_count() > errors_before;
        if failed {
            return Err(Failed);
        }
        let frame = self.scopes.new_frame(Some(self.builtins_frame), slots);
        let _ = file;
        let mut fields = Vec::new();
        let names: Vec<(Arc<str>, Span)> = items
            .iter()
            .filter_map(|i| match i {
                Item::Let(l) => Some((l.name.text.clone(), l.name.span)),
                _ => None,
            })
            .collect();
        for (name, span) in names {
            let Some(slot) = self.scopes.lookup(frame, &name) else {
                continue;
            };
            match self.force(slot, span) {
                Ok(value) => fields.push(Field {
                    name,
                    key_span: span,
                    value,
                }),
                Err(Failed) => failed = true,
            }
        }
        if failed {
            return Err(Failed);
        }
        fields.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Value::new(ValueKind::Attrs(Rc::new(Attrs { fields })), import_span))
    }

    fn import_cycle(&mut self, path: &Path, import: &ImportPath) -> Failed {
        let start = self.import_chain.iter().position(|(p, _)| p == path);
        let mut files: Vec<String> = Vec::new();
        if start.is_none() {
            // The cycle starts at the stack file itself.
            files.push(path.display().to_string());
        }
        let start = start.unwrap_or(0);
        let mut d = Diagnostic::error(
            Code::K0211,
            format!("import cycle: `{}` imports itself through other files", import.path),
            import.span,
            "this import closes the cycle",
        );
        for (p, span) in &self.import_chain[start..] {
            files.push(p.display().to_string());
            d = d.with_label(*span, format!("imports {}", p.display()));
        }
        files.push(path.display().to_string());
        self.fail(d.with_help(format!(
            "the chain is {}; move the shared values into a file that imports neither",
            files.join(" -> ")
        )))
    }
}

/// Resolves `.` and `..` without touching the file system (the loader may be virtual).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The name shown for an imported file: relative to the importer's shown name.
fn display_name(importer: &str, relative: &str) -> String {
    let base = Path::new(importer).parent().unwrap_or(Path::new(""));
    normalize(&base.join(relative)).display().to_string()
}
