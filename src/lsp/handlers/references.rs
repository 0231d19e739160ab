//! textDocument/references: every place a component is named (in `after`, in
//! wiring, in profiles, across imported files), or every `extends` of a profile.

use lsp_types::{Location, ReferenceParams};

use super::at;
use crate::lsp::convert::location;
use crate::lsp::server::Server;
use crate::lsp::symbol::Symbol;
use crate::source::Span;

pub fn references(server: &Server, params: ReferenceParams) -> Option<Vec<Location>> {
    let at = at(server, &params.text_document_position)?;
    let (symbol, _) = at.symbol?;
    let analysis = at.analysis?;
    let include_declaration = params.context.include_declaration;
    let mut spans: Vec<Span> = Vec::new();
    match symbol {
        Symbol::Component(name) => {
            if include_declaration {
                spans.extend(analysis.index.declarations.iter().filter(|d| d.0 == name).map(|d| d.1));
            }
            spans.extend(analysis.index.references.iter().filter(|r| r.0 == name).map(|r| r.1));
        }
        Symbol::Profile(name) => {
            if include_declaration {
                spans.extend(analysis.index.profiles.iter().filter(|p| p.0 == name).map(|p| p.1));
            }
            // `extends NAME` is syntax only; find it in every file of the stack.
            for (id, file) in analysis.base.sources.files() {
                let mut from = 0;
                while let Some(i) = file.text[from..].find("extends") {
                    let after = from + i + "extends".len();
                    let rest = &file.text[after..];
                    let start = after + (rest.len() - rest.trim_start().len());
                    let word_end = file.text[start..]
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                        .map_or(file.text.len(), |e| start + e);
                    if &file.text[start..word_end] == name.as_str() {
                        spans.push(Span::new(id, start, word_end));
                    }
                    from = after;
                }
            }
        }
        Symbol::Quantity(_) | Symbol::Import(_) => return None,
    }
    spans.sort();
    spans.dedup();
    Some(
        spans
            .into_iter()
            .filter_map(|s| location(&analysis.base.sources, s))
            .collect(),
    )
}
