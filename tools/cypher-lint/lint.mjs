// Lint Cypher files with Neo4j's own grammar and semantic analysis, offline.
//
//   node tools/cypher-lint/lint.mjs FILE...
//
// Prints {"files": [{"file", "diagnostics": [{"severity", "message", "line", "column",
// "offset"}]}], "errors": N, "warnings": N} and exits 1 if any diagnostic is an error,
// 2 on a usage error or an unreadable file, 0 otherwise.
//
// The parameters a file may use are the ones its header comment declares, one per line as
// `//   $name: type, meaning` (see graph/named_queries.py); any other $parameter is an error.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// The package's ESM build uses extensionless imports that Node cannot resolve; its CommonJS
// build works, so load that.
const require = createRequire(import.meta.url);
const { lintCypherQuery, parserWrapper } = require('@neo4j-cypher/language-support');

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };
const PARAM_LINE = /^\/\/\s*\$([A-Za-z_][A-Za-z0-9_]*)/;

function declaredParameters(text) {
  const parameters = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('//')) break;
    const match = PARAM_LINE.exec(trimmed);
    if (match) parameters[match[1]] = null;
  }
  return parameters;
}

function lintFile(file) {
  const text = readFileSync(file, 'utf8');
  const diagnostics = lintCypherQuery(text, { parameters: declaredParameters(text) }).map((d) => ({
    severity: SEVERITY[d.severity] ?? String(d.severity),
    message: d.message,
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    offset: d.offsets?.start ?? null,
  }));
  // Neo4j accepts a script of several statements; a query file holds exactly one.
  const statements = parserWrapper
    .parse(text)
    .statementsParsing.filter((s) => s.command.statement.trim() !== '');
  if (statements.length !== 1) {
    diagnostics.push({
      severity: 'error',
      message: `a query file holds exactly one statement, found ${statements.length}`,
      line: 1,
      column: 1,
      offset: 0,
    });
  }
  return diagnostics;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: node tools/cypher-lint/lint.mjs FILE...\n');
  process.exit(2);
}

const report = { files: [], errors: 0, warnings: 0 };
let unreadable = false;
for (const file of files) {
  let diagnostics;
  try {
    diagnostics = lintFile(file);
  } catch (e) {
    if (e.code === undefined) throw e; // a bug in the linter, not a file problem
    unreadable = true;
    diagnostics = [{ severity: 'error', message: `cannot read: ${e.message}`, line: 0, column: 0, offset: null }];
  }
  report.files.push({ file, diagnostics });
  report.errors += diagnostics.filter((d) => d.severity === 'error').length;
  report.warnings += diagnostics.filter((d) => d.severity === 'warning').length;
}
process.stdout.write(JSON.stringify(report, null, 2) + '\n');
process.exit(unreadable ? 2 : report.errors > 0 ? 1 : 0);
