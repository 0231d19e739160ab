//! textDocument/formatting: the `kokuc fmt` layout, as one edit. A buffer
//! with a syntax error is left alone (no edits).

use lsp_types::{DocumentFormattingParams, Range, TextEdit};

use crate::lsp::convert;
use crate::lsp::server::Server;
use crate::source::FileId;

pub fn formatting(server: &Server, params: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    let (_, doc) = server.document(&params.text_document.uri)?;
    // A buffer that does not parse is left alone; check cheaply before formatting
    // (the formatter's own error path explains the error, which nobody reads here).
    crate::syntax::parser::parse_pairs(doc.text()).ok()?;
    let formatted = crate::fmt::format(FileId(0), doc.text()).ok()?;
    if formatted == doc.text() {
        return Some(Vec::new());
    }
    let end = convert::position(doc.file(), doc.text().len());
    Some(vec![TextEdit {
        range: Range::new(lsp_types::Position::new(0, 0), end),
        new_text: formatted,
    }])
}
