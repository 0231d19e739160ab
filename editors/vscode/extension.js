// Starts `kokuc lsp` for .koku files. Everything else (diagnostics, hover,
// go to definition, references, completion, formatting, outline) comes from
// the language server.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("koku");
  const command = config.get("server.path", "kokuc");
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "koku",
    "kokuc language server",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "koku" }],
      initializationOptions: { allProfiles: config.get("allProfiles", true) },
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
