//! textDocument/definition: a component name → its declaration(s) (the base
//! one and any a profile adds), a profile name → the profile, an import → the file.

use lsp_types::{GotoDefinitionParams, GotoDefinitionResponse, Location, Position, Range};

use super::at;
use crate::lsp::convert::{location, path_to_uri};
use crate::lsp::server::Server;
use crate::lsp::symbol::Symbol;

pub fn definition(server: &Server, params: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let at = at(server, &params.text_document_position_params)?;
    let (symbol, _) = at.symbol?;
    let locations: Vec<Location> = match symbol {
        Symbol::Component(name) => {
            let analysis = at.analysis?;
            analysis
                .index
                .declarations
                .iter()
                .filter(|(n, _, _)| *n == name)
                .filter_map(|(_, span, _)| location(&analysis.base.sources, *span))
                .collect()
        }
        Symbol::Profile(name) => {
            let analysis = at.analysis?;
            analysis
                .index
                .profiles
                .iter()
                .filter(|(n, _)| *n == name)
                .filter_map(|(_, span)| location(&analysis.base.sources, *span))
                .collect()
        }
        Symbol::Import(path) => {
            let start = Position::new(0, 0);
            vec![Location::new(path_to_uri(&path)?, Range::new(start, start))]
        }
        Symbol::Quantity(_) => Vec::new(),
    };
    match locations.len() {
        0 => None,
        1 => locations.into_iter().next().map(GotoDefinitionResponse::Scalar),
        _ => Some(GotoDefinitionResponse::Array(locations)),
    }
}
