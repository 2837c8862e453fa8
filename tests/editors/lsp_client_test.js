// Drives `flowc lsp` through the protocol library the packaged extension ships
// (vscode-languageserver-protocol on vscode-jsonrpc, from the .vsix's node_modules, the code
// vscode-languageclient runs on) over the child's stdin and stdout, as VS Code would:
// initialize, open a file with an error and get its diagnostic, fix it and get none; open the
// standard library's backend pipeline and get no errors, a hover on an agent, a definition that
// leads to the agent's file, and agent names completed after `review`; then shutdown and exit,
// after which the server must end with status 0.
//
// Usage: node lsp_client_test.js EXTENSION_DIR FLOWC [SOURCE_DIR]
"use strict";

const assert = require("assert");
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { pathToFileURL } = require("url");

const [extension, flowc, sourceDir] = process.argv.slice(2);
if (!extension || !flowc) {
  console.error("usage: node lsp_client_test.js EXTENSION_DIR FLOWC");
  process.exit(2);
}
const protocolPath = require.resolve("vscode-languageserver-protocol/node", { paths: [extension] });
assert.ok(protocolPath.startsWith(path.resolve(extension)), `protocol library outside the extension: ${protocolPath}`);
const protocol = require(protocolPath);

const TIMEOUT_MS = 10000;

function within(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Resolves with the next publishDiagnostics notification for `uri`.
function diagnosticsFor(waiters, uri) {
  return new Promise((resolve) => waiters.push({ uri, resolve }));
}

// A change event the server accepts whatever sync kind it announced.
function wholeText(syncKind, oldText, newText) {
  if (syncKind === protocol.TextDocumentSyncKind.Incremental) {
    const lines = oldText.split("\n");
    const end = { line: lines.length - 1, character: lines[lines.length - 1].length };
    return { range: { start: { line: 0, character: 0 }, end }, text: newText };
  }
  return { text: newText };
}

// Where `needle` starts in `text`, as an LSP position (the stdlib file is ASCII).
function positionOf(text, needle) {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; ++i) {
    const col = lines[i].indexOf(needle);
    if (col >= 0) return { line: i, character: col };
  }
  throw new Error(`no line holds ${needle}`);
}

// Diagnostics, hover, definition and completion on the stdlib pipeline, as an author gets them.
async function stdlibFeatures(connection, waiters) {
  const file = path.join(sourceDir, "stdlib", "backend.flow");
  const uri = pathToFileURL(file).href;
  const text = fs.readFileSync(file, "utf8");
  const published = diagnosticsFor(waiters, uri);
  connection.sendNotification(protocol.DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: "flow", version: 1, text },
  });
  const diags = (await within(published, "diagnostics of stdlib/backend.flow")).diagnostics;
  assert.deepStrictEqual(diags.filter((d) => d.severity === protocol.DiagnosticSeverity.Error), [],
    "the stdlib pipeline has errors");
  const doc = { uri };

  const hover = await within(connection.sendRequest(protocol.HoverRequest.type,
    { textDocument: doc, position: positionOf(text, "backend-planner review") }), "hover");
  const shown = hover && (hover.contents.value || JSON.stringify(hover.contents));
  assert.match(shown || "", /backend-planner/, `the hover does not describe the agent: ${shown}`);
  assert.match(shown, /opus/, `the hover does not give the agent's model: ${shown}`);

  let loc = await within(connection.sendRequest(protocol.DefinitionRequest.type,
    { textDocument: doc, position: positionOf(text, "backend-validation-agent review") }), "definition");
  if (Array.isArray(loc)) loc = loc[0];
  const target = loc && (loc.uri || loc.targetUri);
  assert.ok(target && target.endsWith("/backend-validation-agent.md"),
    `the definition does not lead to the agent's file: ${JSON.stringify(loc)}`);

  const at = positionOf(text, "review code-review retries 2;");
  const items = await within(connection.sendRequest(protocol.CompletionRequest.type,
    { textDocument: doc, position: { line: at.line, character: at.character + "review ".length } }),
  "completion");
  const labels = (Array.isArray(items) ? items : (items && items.items) || []).map((i) => i.label);
  assert.ok(labels.includes("code-review"), `completion after \`review\` lacks code-review: ${labels}`);
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flow-lsp-"));
  const child = spawn(flowc, ["lsp"], { cwd: dir, stdio: ["pipe", "pipe", "inherit"] });
  let shuttingDown = false;
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => {
    if (!shuttingDown) {
      console.error(`FAIL: ${flowc} lsp ended (status ${code}, signal ${signal}) before shutdown and exit`);
      process.exit(1);
    }
    resolve({ code, signal });
  }));
  child.on("error", (err) => {
    console.error(`FAIL: cannot start ${flowc} lsp: ${err.message}`);
    process.exit(1);
  });
  const connection = protocol.createProtocolConnection(
    new protocol.StreamMessageReader(child.stdout), new protocol.StreamMessageWriter(child.stdin));
  const waiters = [];
  connection.onNotification(protocol.PublishDiagnosticsNotification.type, (params) => {
    const i = waiters.findIndex((w) => w.uri === params.uri);
    if (i >= 0) waiters.splice(i, 1)[0].resolve(params);
  });
  connection.listen();
  try {
    const init = await within(connection.sendRequest(protocol.InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(dir).href,
      workspaceFolders: [{ uri: pathToFileURL(dir).href, name: "scratch" }],
      capabilities: { textDocument: { publishDiagnostics: { relatedInformation: true } } },
    }), "initialize result");
    const sync = init.capabilities.textDocumentSync;
    const syncKind = typeof sync === "number" ? sync : sync && sync.change;
    assert.ok(syncKind === protocol.TextDocumentSyncKind.Full || syncKind === protocol.TextDocumentSyncKind.Incremental,
      `the server announces no document sync: ${JSON.stringify(init.capabilities)}`);
    connection.sendNotification(protocol.InitializedNotification.type, {});

    // An undeclared agent on line 3: one error there.
    const file = path.join(dir, "broken.flow");
    const uri = pathToFileURL(file).href;
    const broken = 'flow broken "An undeclared agent"\n\nstage plan plannr\n';
    fs.writeFileSync(file, broken);
    let published = diagnosticsFor(waiters, uri);
    connection.sendNotification(protocol.DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: "flow", version: 1, text: broken },
    });
    let diags = (await within(published, "diagnostics after didOpen")).diagnostics;
    assert.ok(diags.length >= 1, "no diagnostic for an undeclared agent");
    const error = diags.find((d) => d.severity === protocol.DiagnosticSeverity.Error);
    assert.ok(error, `no error among ${JSON.stringify(diags)}`);
    assert.strictEqual(error.range.start.line, 2, `the error is not on line 3: ${JSON.stringify(error)}`);
    assert.match(error.message, /plannr/, `the message does not name the agent: ${error.message}`);

    // Declaring the agent clears it, from the editor's text alone (the file is not saved).
    const fixed = broken + 'agent plannr < prompt "Plan." >\n';
    published = diagnosticsFor(waiters, uri);
    connection.sendNotification(protocol.DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [wholeText(syncKind, broken, fixed)],
    });
    diags = (await within(published, "diagnostics after didChange")).diagnostics;
    assert.deepStrictEqual(diags.filter((d) => d.severity === protocol.DiagnosticSeverity.Error), [],
      "errors remain after the fix");

    if (sourceDir) await stdlibFeatures(connection, waiters);

    shuttingDown = true;
    await within(connection.sendRequest(protocol.ShutdownRequest.type), "shutdown result");
    connection.sendNotification(protocol.ExitNotification.type);
    const { code, signal } = await within(exited, "exit of the server after `exit`");
    assert.strictEqual(signal, null, `the server died of ${signal}`);
    assert.strictEqual(code, 0, `the server exited with ${code} after shutdown and exit`);
    console.log(`lsp client ok: ${flowc} lsp over the packaged ${path.relative(extension, protocolPath)}`);
  } finally {
    connection.dispose();
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error("FAIL: " + (err && err.stack ? err.stack : err));
  process.exit(1);
});
