// Builds the vendored browser assets into api/web/static/vendor/ (ignored by git), offline:
// everything comes from node_modules, installed by `npm ci` from package-lock.json.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "api", "web", "static", "vendor");
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "swagger-ui"), { recursive: true });

await build({
  entryPoints: [join(here, "src", "workbench.js")],
  bundle: true,
  minify: !process.env.KG_WEB_DEBUG, // KG_WEB_DEBUG=1 node web/build.mjs: readable, for debugging
  format: "iife",
  target: "es2020",
  outfile: join(out, "workbench.js"),
  legalComments: "linked",
  logLevel: "warning",
});

const copies = [
  ["cytoscape/dist/cytoscape.min.js", "cytoscape.min.js"],
  ["swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"],
  ["swagger-ui-dist/swagger-ui.css", "swagger-ui/swagger-ui.css"],
  ["swagger-ui-dist/favicon-32x32.png", "swagger-ui/favicon-32x32.png"],
  ["swagger-ui-dist/oauth2-redirect.html", "swagger-ui/oauth2-redirect.html"],
];
for (const [from, to] of copies) {
  copyFileSync(join(here, "node_modules", from), join(out, to));
}
console.log(`web assets built in ${out}`);
