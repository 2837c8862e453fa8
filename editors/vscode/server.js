// Finds the flowc the extension starts as `flowc lsp`. Kept free of the `vscode` module so
// that node can test it without an editor.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");

// Expands a leading `~`, and looks a bare name (no path separator) up on PATH, as a shell
// would. Returns the executable's path, or null when there is none.
function resolveServer(setting, env = process.env, platform = process.platform) {
  let command = (setting || "").trim() || "flowc";
  if (command === "~" || command.startsWith("~/")) {
    command = path.join(os.homedir(), command.slice(1));
  }
  if (command.includes("/") || (platform === "win32" && command.includes("\\"))) {
    return isExecutable(command, platform) ? path.resolve(command) : null;
  }
  const exts = platform === "win32" ? (env.PATHEXT || ".EXE;.CMD;.BAT").split(";") : [""];
  for (const dir of (env.PATH || "").split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, command + ext);
      if (isExecutable(candidate, platform)) return candidate;
    }
  }
  return null;
}

function isExecutable(file, platform) {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (platform !== "win32") fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// The message shown when the server cannot be found: what is missing and how to fix it.
function missingServerMessage(setting) {
  const shown = (setting || "").trim() || "flowc";
  return `flow: cannot find the language server '${shown}' ` +
    `(the \`flow.server.path\` setting${shown === "flowc" ? ", looked up on PATH" : ""}). ` +
    "Install flowc (cmake --install) or set flow.server.path to its full path; " +
    "highlighting and snippets work without it.";
}

module.exports = { resolveServer, missingServerMessage };
