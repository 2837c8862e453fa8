// Checks how the packaged extension finds the flowc it starts (server.js), with real files:
// a bare name is looked up on PATH, a path is taken as it is, `~` is the home directory, a
// file that is not executable does not count, and the message for a missing server names
// the setting.
//
// Usage: node server_test.js EXTENSION_DIR
"use strict";

const assert = require("assert");
const fs = require("fs");
const os = require("os");
const path = require("path");

const { resolveServer, missingServerMessage } = require(path.join(process.argv[2], "server.js"));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flow-server-"));
try {
  const bin = path.join(dir, "bin");
  const other = path.join(dir, "other");
  fs.mkdirSync(bin);
  fs.mkdirSync(other);
  const flowc = path.join(bin, "flowc");
  fs.writeFileSync(flowc, "#!/bin/sh\n", { mode: 0o755 });
  const plain = path.join(other, "flowc");
  fs.writeFileSync(plain, "not executable\n", { mode: 0o644 });
  const env = { PATH: [other, bin].join(path.delimiter) };

  assert.strictEqual(resolveServer("flowc", env), flowc, "a bare name is found on PATH, skipping a file that is not executable");
  assert.strictEqual(resolveServer("", env), flowc, "an empty setting means flowc");
  assert.strictEqual(resolveServer(undefined, env), flowc, "no setting means flowc");
  assert.strictEqual(resolveServer("flowc", { PATH: other }), null, "a file that is not executable is not a server");
  assert.strictEqual(resolveServer("flowc", { PATH: "" }), null, "nothing on an empty PATH");
  assert.strictEqual(resolveServer(flowc, { PATH: "" }), flowc, "an absolute path is used as it is");
  assert.strictEqual(resolveServer(plain, env), null, "an absolute path that is not executable is refused");
  assert.strictEqual(resolveServer(path.join(dir, "missing"), env), null, "a path that does not exist is refused");
  assert.strictEqual(resolveServer(bin, env), null, "a directory is not a server");

  const home = os.homedir();
  const inHome = fs.mkdtempSync(path.join(home, ".flow-server-test-"));
  try {
    const homeFlowc = path.join(inHome, "flowc");
    fs.writeFileSync(homeFlowc, "#!/bin/sh\n", { mode: 0o755 });
    assert.strictEqual(resolveServer("~/" + path.relative(home, homeFlowc), { PATH: "" }), homeFlowc, "~ is the home directory");
  } finally {
    fs.rmSync(inHome, { recursive: true, force: true });
  }

  const message = missingServerMessage("flowc");
  assert.match(message, /flow\.server\.path/, "the message names the setting");
  assert.match(message, /PATH/, "the message says where a bare name was looked for");
  assert.match(missingServerMessage("/opt/x/flowc"), /'\/opt\/x\/flowc'/, "the message shows the configured path");
  console.log("server path ok");
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
