//! textDocument/documentSymbol: the outline (stack, components, lets,
//! profiles with their statements). While the buffer has a syntax error the
//! outline of its last parsable version is shown.

use lsp_types::{DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, SymbolKind};

use crate::limits::Limits;
use crate::lsp::convert;
use crate::lsp::server::Server;
use crate::source::{FileId, SourceFile, Span};
use crate::syntax::ast::{ComponentItem, Item, ProfileStatement};

pub fn symbols(server: &Server, params: DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
    let (_, doc) = server.document(&params.text_document.uri)?;
    doc.outline().map(DocumentSymbolResponse::Nested)
}

/// The outline of a buffer (file 0), or `None` when it does not parse.
pub fn outline(file: &SourceFile) -> Option<Vec<DocumentSymbol>> {
    // The plain pest parse first: a failed one costs no error analysis.
    let pairs = crate::syntax::parser::parse_pairs(&file.text).ok()?;
    let ast = crate::syntax::parser::build_file(FileId(0), pairs, &Limits::default()).ok()?;
    let mut out = Vec::new();
    for item in &ast.items {
        out.push(match item {
            Item::Let(l) => symbol(
                file,
                &l.name.text,
                "let",
                SymbolKind::VARIABLE,
                l.span,
                l.name.span,
                None,
            ),
            Item::Stack(s) => symbol(
                file,
                &s.name.text,
                "stack",
                SymbolKind::NAMESPACE,
                s.span,
                s.name.span,
                None,
            ),
            Item::Component(c) => component(file, c, "component"),
            Item::Profile(p) => {
                let children = p
                    .statements
                    .iter()
                    .map(|s| match s {
                        ProfileStatement::Let(l) => symbol(
                            file,
                            &l.name.text,
                            "let",
                            SymbolKind::VARIABLE,
                            l.span,
                            l.name.span,
                            None,
                        ),
                        ProfileStatement::Add(c) => component(file, c, "component"),
                        ProfileStatement::Override(c) => component(file, c, "override"),
                        ProfileStatement::Remove { name, span } => {
                            symbol(file, &name.text, "remove", SymbolKind::EVENT, *span, name.span, None)
                        }
                        ProfileStatement::Stack { span, .. } => {
                            symbol(file, "stack", "stack patch", SymbolKind::NAMESPACE, *span, *span, None)
                        }
                    })
                    .collect();
                let detail = match &p.extends {
                    Some(e) => format!("profile extends {}", e.text),
                    None => "profile".to_string(),
                };
                symbol(
                    file,
                    &p.name.text,
                    &detail,
                    SymbolKind::MODULE,
                    p.span,
                    p.name.span,
                    Some(children),
                )
            }
        });
    }
    Some(out)
}

fn component(file: &SourceFile, c: &ComponentItem, detail: &str) -> DocumentSymbol {
    symbol(file, &c.name.text, detail, SymbolKind::CLASS, c.span, c.name.span, None)
}

fn symbol(
    file: &SourceFile,
    name: &str,
    detail: &str,
    kind: SymbolKind,
    span: Span,
    name_span: Span,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    #[allow(deprecated)]
    DocumentSymbol {
        name: name.to_string(),
        detail: Some(detail.to_string()),
        kind,
        tags: None,
        deprecated: None,
        range: convert::range(file, span),
        selection_range: convert::range(file, name_span),
        children,
    }
}
