// Tokenizes .flow files with the TextMate engine VS Code uses (vscode-textmate on
// vscode-oniguruma) and checks the scopes given to specific tokens, and that every example
// and standard-library file ends with no string or block left open.
//
// Usage: node grammar_test.js TOOLS_DIR SOURCE_DIR
"use strict";

const fs = require("fs");
const path = require("path");

const [toolsDir, sourceDir] = process.argv.slice(2);
if (!toolsDir || !sourceDir) {
  console.error("usage: node grammar_test.js TOOLS_DIR SOURCE_DIR");
  process.exit(2);
}
const modules = path.join(toolsDir, "node_modules");
const vsctm = require(path.join(modules, "vscode-textmate"));
const oniguruma = require(path.join(modules, "vscode-oniguruma"));
const grammarPath = path.join(sourceDir, "editors", "flow.tmLanguage.json");
const fixtures = path.join(sourceDir, "tests", "editors", "fixtures");

// [fixture, 1-based line, token text, nth occurrence on the line (1-based), expected scope or
// "!" + a scope prefix the token must not have]
const EXPECTATIONS = [
  // A """ string inside a list ends at its closing """, not at the ] inside it.
  ["triple-in-list.flow", 2, '"""', 1, "string.quoted.triple.flow"],
  ["triple-in-list.flow", 3, "]", 1, "string.quoted.triple.flow"],
  ["triple-in-list.flow", 4, '"billing"', 1, "string.quoted.double.flow"],
  ["triple-in-list.flow", 4, "]", 1, "punctuation.section.list.end.flow"],
  ["triple-in-list.flow", 5, "agent", 1, "keyword.control.flow"],
  ["triple-in-list.flow", 6, "stage", 1, "keyword.control.flow"],
  ["triple-in-list.flow", 6, "research", 1, "entity.name.function.flow"],
  // Module paths: segments after the first / may be keywords, and are not coloured as such.
  ["names.flow", 2, "use", 1, "keyword.control.flow"],
  ["names.flow", 2, "std/policies", 1, "entity.name.namespace.flow"],
  ["names.flow", 3, "review", 1, "!keyword"],
  ["names.flow", 3, "review", 1, "entity.name.namespace.flow"],
  ["names.flow", 4, "stage", 1, "entity.name.namespace.flow"],
  ["names.flow", 4, "run", 1, "entity.name.namespace.flow"],
  // Declared names that are words with a meaning elsewhere.
  ["names.flow", 5, "model", 1, "entity.name.function.flow"],
  ["names.flow", 6, "step", 1, "entity.name.function.flow"],
  ["names.flow", 7, "verdict", 1, "entity.name.function.flow"],
  // Agent fields are keywords inside an agent's block.
  ["names.flow", 8, "description", 1, "keyword.other.flow"],
  ["names.flow", 9, "model", 1, "keyword.other.flow"],
  ["names.flow", 9, "sonnet", 1, "support.constant.flow"],
  ["names.flow", 10, "role", 1, "keyword.other.flow"],
  ["names.flow", 10, "reviewer", 1, "support.constant.flow"],
  ["names.flow", 11, "tools", 1, "keyword.other.flow"],
  ["names.flow", 12, "max-turns", 1, "keyword.other.flow"],
  ["names.flow", 13, "prompt", 1, "keyword.other.flow"],
  ["names.flow", 14, "VERDICT", 1, "string.quoted.triple.flow"],
  ["names.flow", 17, "description", 1, "entity.name.function.flow"],
  ["names.flow", 17, "from", 1, "keyword.control.flow"],
  ["names.flow", 17, "permission-mode", 1, "keyword.other.flow"],
  ["names.flow", 18, "dotnet-4.8-expert", 1, "entity.name.function.flow"],
  // Calls and references to agents, inputs and steps whose names are such words.
  ["names.flow", 19, "to", 1, "entity.name.function.flow"],
  ["names.flow", 19, "description", 1, "variable.other.flow"],
  ["names.flow", 19, "up", 1, "entity.name.function.flow"],
  ["names.flow", 20, "back", 1, "entity.name.function.flow"],
  ["names.flow", 20, "after", 1, "keyword.control.flow"],
  ["names.flow", 20, "to", 1, "variable.other.flow"],
  ["names.flow", 20, "step", 1, "variable.other.flow"],
  ["names.flow", 20, "description", 1, "variable.other.flow"],
  ["names.flow", 20, "review", 1, "keyword.control.flow"],
  ["names.flow", 20, "each", 1, "keyword.other.flow"],
  ["names.flow", 20, "verdict", 1, "variable.other.flow"],
  ["names.flow", 20, "check", 1, "keyword.control.flow"],
  ["names.flow", 20, "verdict", 2, "keyword.other.flow"],
  ["names.flow", 20, "back", 2, "keyword.other.flow"],
  ["names.flow", 20, "to", 2, "keyword.other.flow"],
  ["names.flow", 20, "to", 3, "variable.other.flow"],
  ["names.flow", 20, "1", 1, "constant.numeric.integer.flow"],
  ["names.flow", 20, "else", 1, "keyword.control.flow"],
  ["names.flow", 20, "stop", 1, "keyword.other.flow"],
  ["names.flow", 21, "description", 1, "variable.other.flow"],
  ["names.flow", 21, "over", 1, "keyword.control.flow"],
  ["names.flow", 21, "model", 1, "variable.other.flow"],
  ["names.flow", 21, "up", 1, "keyword.other.flow"],
  ["names.flow", 21, "to", 1, "keyword.other.flow"],
  ["names.flow", 21, "each", 1, "entity.name.function.flow"],
  // Rule words in rules, names in rules.
  ["names.flow", 22, "every", 1, "keyword.other.flow"],
  ["names.flow", 22, "step", 1, "keyword.other.flow"],
  ["names.flow", 22, "reviewed", 1, "keyword.other.flow"],
  ["names.flow", 22, "by", 1, "keyword.other.flow"],
  ["names.flow", 22, "verdict", 1, "variable.other.flow"],
  ["names.flow", 23, "most", 1, "keyword.other.flow"],
  ["names.flow", 23, "calls", 1, "keyword.other.flow"],
  ["names.flow", 24, "verdict", 1, "variable.other.flow"],
  ["names.flow", 24, "writes", 1, "keyword.other.flow"],
  ["names.flow", 24, "only", 1, "keyword.other.flow"],
  ["names.flow", 25, "to", 1, "variable.other.flow"],
  ["names.flow", 25, "before", 1, "keyword.other.flow"],
  ["names.flow", 25, "back", 1, "variable.other.flow"],
];

async function loadGrammar() {
  const wasm = fs.readFileSync(path.join(modules, "vscode-oniguruma", "release", "onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.length));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => scopeName === "source.flow"
      ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath)
      : null,
  });
  return registry.loadGrammar("source.flow");
}

// Returns each line's text and tokens ({start, end, scopes}) and the depth of the rule stack at the end.
function tokenize(grammar, text) {
  let stack = vsctm.INITIAL;
  const lines = text.split("\n").map((line) => {
    const result = grammar.tokenizeLine(line, stack);
    stack = result.ruleStack;
    return { text: line, tokens: result.tokens.map((t) => ({ start: t.startIndex, end: t.endIndex, scopes: t.scopes })) };
  });
  return { lines, depth: stack.depth };
}

// The scopes of the nth occurrence of `want` on the line (a word is matched whole), or null.
// Every token the occurrence spans must carry the expected scope, so the scopes of all of
// them are returned: a name split in two by the grammar does not pass.
function scopesOf(line, tokens, want, nth) {
  const word = /^[A-Za-z0-9_.-]+$/.test(want);
  const escaped = want.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(word ? `(?<![A-Za-z0-9_.-])${escaped}(?![A-Za-z0-9_.-])` : escaped, "g");
  let match;
  for (let seen = 0; (match = pattern.exec(line)) !== null;) {
    if (++seen < nth) continue;
    const start = match.index;
    const end = start + want.length;
    const spanned = tokens.filter((t) => t.start < end && t.end > start);
    return spanned.length ? spanned.map((t) => t.scopes) : null;
  }
  return null;
}

function flowFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return flowFiles(full);
    return entry.name.endsWith(".flow") ? [full] : [];
  });
}

async function main() {
  const grammar = await loadGrammar();
  const failures = [];
  const cache = new Map();
  for (const [file, line, text, nth, expected] of EXPECTATIONS) {
    if (!cache.has(file)) cache.set(file, tokenize(grammar, fs.readFileSync(path.join(fixtures, file), "utf8")));
    const { text: lineText, tokens } = cache.get(file).lines[line - 1] || { text: "", tokens: [] };
    const spans = scopesOf(lineText, tokens, text, nth);
    const where = `${file}:${line}: '${text}' #${nth}`;
    if (!spans) {
      failures.push(`${where}: not on the line ${JSON.stringify(lineText)}`);
      continue;
    }
    for (const scopes of spans) {
      if (expected.startsWith("!")) {
        const bad = scopes.find((s) => s.startsWith(expected.slice(1)));
        if (bad) failures.push(`${where}: has ${bad}, expected no ${expected.slice(1)}* (scopes ${scopes.join(" ")})`);
      } else if (!scopes.includes(expected)) {
        failures.push(`${where}: expected ${expected}, got ${scopes.join(" ")}`);
      }
    }
  }
  // Every example, standard-library and fixture file closes what it opens.
  const files = [...flowFiles(path.join(sourceDir, "examples")), ...flowFiles(path.join(sourceDir, "stdlib")),
    ...flowFiles(fixtures)].filter((f) => !/E0009|E0008|unclosed|unterminated/i.test(path.basename(f)));
  for (const file of files) {
    const { depth } = tokenize(grammar, fs.readFileSync(file, "utf8"));
    if (depth !== 1) failures.push(`${path.relative(sourceDir, file)}: a rule is still open at the end (depth ${depth})`);
  }
  for (const f of failures) console.log("FAIL: " + f);
  if (failures.length) {
    console.log(`${failures.length} failure(s)`);
    process.exit(1);
  }
  console.log(`grammar tokens ok: ${EXPECTATIONS.length} token scopes, ${files.length} files end closed`);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
