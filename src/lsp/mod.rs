//! `kokuc lsp`: the language server (lsp-server + lsp-types, over stdio).
//!
//! [`route`] is the routing table: one line per LSP method, one handler per
//! file in `handlers/`. The state lives in [`server::Server`], which never does
//! I/O; [`run`] moves messages between it and stdio. Diagnostics are the same
//! [`Diagnostic`](crate::diagnostics::Diagnostic)s the CLI prints, converted in
//! [`convert`].
//!
//! Invariant: stdout is the protocol channel. Nothing here prints.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod analysis;
pub mod convert;
mod handlers;
pub mod server;
mod symbol;

use std::panic::{catch_unwind, AssertUnwindSafe};

use lsp_server::{Connection, ErrorCode, Message, Request, RequestId, Response};
use lsp_types::notification::{DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest, References, Request as _,
};
use lsp_types::{
    CompletionOptions, HoverProviderCapability, InitializeParams, OneOf, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind,
};

pub use analysis::{analyze, Analysis, Settings};
pub use server::Server;

/// The capabilities announced in `initialize`.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["[".into(), " ".into(), "{".into(), ";".into()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// Serves one client on stdin/stdout until `shutdown` and `exit`.
pub fn run() -> Result<(), String> {
    let (connection, threads) = Connection::stdio();
    // Requests parse whole buffers; deeply nested text needs the compiler's big stack.
    let result = crate::with_large_stack(|| serve(&connection));
    drop(connection);
    threads.join().map_err(|e| e.to_string())?;
    result
}

fn serve(connection: &Connection) -> Result<(), String> {
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let server_info = ServerInfo {
        name: "kokuc".to_string(),
        version: Some(env!("CARGO_PKG_VERSION").to_string()),
    };
    let result = serde_json::json!({ "capabilities": capabilities(), "serverInfo": server_info });
    connection.initialize_finish(id, result).map_err(|e| e.to_string())?;
    let mut server = Server::new(settings(&params), workspace(&params));
    for message in &connection.receiver {
        if let Message::Request(request) = &message {
            if connection.handle_shutdown(request).map_err(|e| e.to_string())? {
                return Ok(());
            }
        }
        for out in handle(&mut server, message) {
            connection.sender.send(out).map_err(|e| e.to_string())?;
        }
        // Deferred work (the profiles) only while nothing is waiting.
        if server.has_pending() && connection.receiver.is_empty() {
            let outcome = catch_unwind(AssertUnwindSafe(|| server.idle()));
            for out in outcome.unwrap_or_default() {
                connection.sender.send(out).map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}

/// `initializationOptions: { "allProfiles": false }` checks the base stack only.
fn settings(params: &InitializeParams) -> Settings {
    let mut settings = Settings::default();
    if let Some(all) = params
        .initialization_options
        .as_ref()
        .and_then(|o| o.get("allProfiles"))
        .and_then(serde_json::Value::as_bool)
    {
        settings.all_profiles = all;
    }
    settings
}

fn workspace(params: &InitializeParams) -> Option<std::path::PathBuf> {
    let folder = params.workspace_folders.as_ref()?.first()?;
    convert::uri_to_path(&folder.uri)
}

/// Handles one message; returns what to send back. Never panics: a handler
/// that fails answers with an internal error instead of ending the server.
pub fn handle(server: &mut Server, message: Message) -> Vec<Message> {
    match message {
        Message::Request(request) => vec![Message::Response(route(server, request))],
        Message::Notification(n) => {
            let outcome = catch_unwind(AssertUnwindSafe(|| notification(server, n)));
            outcome.unwrap_or_default()
        }
        Message::Response(_) => Vec::new(),
    }
}

/// The routing table for requests.
fn route(server: &mut Server, request: Request) -> Response {
    let id = request.id.clone();
    match request.method.as_str() {
        HoverRequest::METHOD => dispatch::<HoverRequest>(server, request, handlers::hover),
        GotoDefinition::METHOD => dispatch::<GotoDefinition>(server, request, handlers::definition),
        References::METHOD => dispatch::<References>(server, request, handlers::references),
        Completion::METHOD => dispatch::<Completion>(server, request, handlers::completion),
        Formatting::METHOD => dispatch::<Formatting>(server, request, handlers::formatting),
        DocumentSymbolRequest::METHOD => dispatch::<DocumentSymbolRequest>(server, request, handlers::symbols),
        _ => Response::new_err(
            id,
            ErrorCode::MethodNotFound as i32,
            format!("unknown method {}", request.method),
        ),
    }
}

fn notification(server: &mut Server, n: lsp_server::Notification) -> Vec<Message> {
    match n.method.as_str() {
        DidOpenTextDocument::METHOD => extract::<DidOpenTextDocument>(n).map_or_else(Vec::new, |p| {
            server.set_document(p.text_document.uri, p.text_document.version, p.text_document.text)
        }),
        DidChangeTextDocument::METHOD => extract::<DidChangeTextDocument>(n).map_or_else(Vec::new, |mut p| {
            // Full sync: the last change holds the whole text.
            match p.content_changes.pop() {
                Some(change) => server.set_document(p.text_document.uri, p.text_document.version, change.text),
                None => Vec::new(),
            }
        }),
        DidCloseTextDocument::METHOD => {
            extract::<DidCloseTextDocument>(n).map_or_else(Vec::new, |p| server.close_document(&p.text_document.uri))
        }
        _ => Vec::new(),
    }
}

fn extract<N: lsp_types::notification::Notification>(n: lsp_server::Notification) -> Option<N::Params> {
    n.extract(N::METHOD).ok()
}

fn dispatch<R: lsp_types::request::Request>(
    server: &Server,
    request: Request,
    handler: fn(&Server, R::Params) -> R::Result,
) -> Response {
    let id: RequestId = request.id.clone();
    let params: R::Params = match request.extract(R::METHOD) {
        Ok((_, params)) => params,
        Err(e) => return Response::new_err(id, ErrorCode::InvalidParams as i32, format!("{e:?}")),
    };
    match catch_unwind(AssertUnwindSafe(|| handler(server, params))) {
        Ok(result) => Response::new_ok(id, result),
        Err(_) => Response::new_err(
            id,
            ErrorCode::InternalError as i32,
            format!("kokuc: internal error while answering {}", R::METHOD),
        ),
    }
}

#[cfg(test)]
mod tests;
