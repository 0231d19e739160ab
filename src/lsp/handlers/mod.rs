//! One handler per request, each a pure function of the server state.

mod completion;
mod definition;
mod formatting;
mod hover;
mod references;
mod symbols;

pub use completion::completion;
pub use definition::definition;
pub use formatting::formatting;
pub use hover::hover;
pub use references::references;
pub use symbols::{outline, symbols};

use std::ops::Range;

use lsp_types::TextDocumentPositionParams;

use super::analysis::Analysis;
use super::convert;
use super::server::{Document, Server};
use super::symbol::{self, Symbol};

/// The LSP range of a byte range of a buffer.
pub(super) fn doc_range(doc: &Document, range: Range<usize>) -> lsp_types::Range {
    lsp_types::Range::new(
        convert::position(doc.file(), range.start),
        convert::position(doc.file(), range.end),
    )
}

/// The buffer, its path, the model to answer with, and the symbol at the position.
pub(super) struct At<'a> {
    pub doc: &'a Document,
    pub analysis: Option<&'a Analysis>,
    pub symbol: Option<(Symbol, Range<usize>)>,
    pub offset: usize,
}

pub(super) fn at<'a>(server: &'a Server, params: &TextDocumentPositionParams) -> Option<At<'a>> {
    let (path, doc) = server.document(&params.text_document.uri)?;
    let offset = convert::offset(doc.file(), params.position);
    let analysis = server.model(&path);
    let symbol = symbol::at(doc, &path, offset, analysis);
    Some(At {
        doc,
        analysis,
        symbol,
        offset,
    })
}
