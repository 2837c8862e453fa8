// Activates the packaged extension.js in node, with a stand-in for the editor's `vscode`
// module (node has none), when flow.server.path names no executable: the extension must
// show one error message that names the setting, start no client, and try again with the
// new value when the setting changes.
//
// Usage: node extension_test.js EXTENSION_DIR
"use strict";

const assert = require("assert");
const Module = require("module");
const path = require("path");

const extensionDir = path.resolve(process.argv[2]);
const errors = [];
const configListeners = [];
let serverPath = path.join(extensionDir, "no-such-dir", "flowc");
const loaded = [];

const vscode = {
  workspace: {
    getConfiguration: (section) => ({
      get: (key, fallback) => (section === "flow" && key === "server.path" ? serverPath : fallback),
    }),
    onDidChangeConfiguration: (listener) => {
      configListeners.push(listener);
      return { dispose() {} };
    },
  },
  window: { showErrorMessage: (message) => { errors.push(message); } },
};

const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === "vscode") return vscode;
  if (request.startsWith("vscode-languageclient")) loaded.push(request);
  return load.call(this, request, parent, isMain);
};

async function main() {
  const extension = require(path.join(extensionDir, "extension.js"));
  const context = { subscriptions: [] };
  await extension.activate(context);
  assert.strictEqual(errors.length, 1, `expected one error message, got ${JSON.stringify(errors)}`);
  assert.match(errors[0], /flow\.server\.path/, "the message names the setting");
  assert.ok(errors[0].includes(serverPath), "the message shows the path that was tried");
  assert.deepStrictEqual(loaded, [], "no language client is loaded without a server");
  assert.strictEqual(context.subscriptions.length, 1, "the extension listens for setting changes");

  // A change to another setting does nothing; a change to flow.server.path tries again.
  await configListeners[0]({ affectsConfiguration: (name) => name === "editor.fontSize" });
  assert.strictEqual(errors.length, 1, "an unrelated setting restarted the server");
  serverPath = "flowc-that-is-not-on-path";
  await configListeners[0]({ affectsConfiguration: (name) => name === "flow.server.path" });
  assert.strictEqual(errors.length, 2, "changing flow.server.path did not try again");
  assert.match(errors[1], /'flowc-that-is-not-on-path'.*looked up on PATH|flow\.server\.path/);
  await extension.deactivate();
  console.log("extension activation ok");
}

main().catch((err) => {
  console.error("FAIL: " + (err && err.stack ? err.stack : err));
  process.exit(1);
});
