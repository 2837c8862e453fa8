// The flow extension: highlighting and snippets are declared in package.json; this file
// starts `flowc lsp` over stdio for diagnostics and the other language features.
"use strict";

const vscode = require("vscode");
const { resolveServer, missingServerMessage } = require("./server");

let client = null;

async function start(context) {
  const setting = vscode.workspace.getConfiguration("flow").get("server.path", "flowc");
  const command = resolveServer(setting);
  if (!command) {
    vscode.window.showErrorMessage(missingServerMessage(setting));
    return;
  }
  // Loaded only once there is a server to talk to.
  const { LanguageClient, TransportKind } = require("vscode-languageclient/node");
  const run = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient("flow", "flow language server", { run, debug: run }, {
    documentSelector: [{ language: "flow" }],
  });
  try {
    await client.start();
  } catch (err) {
    vscode.window.showErrorMessage(
      `flow: '${command} lsp' did not start: ${err && err.message ? err.message : err}. ` +
      "Check that this flowc has the `lsp` command (flowc --help), or set flow.server.path.");
    client = null;
  }
}

async function stop() {
  if (!client) return;
  const running = client;
  client = null;
  await running.stop();
}

function activate(context) {
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration(async (event) => {
    if (event.affectsConfiguration("flow.server.path")) {
      await stop();
      await start(context);
    }
  }));
  return start(context);
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
