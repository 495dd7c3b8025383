// Builds the console into dist/: one bundled, minified script and stylesheet, and the page that
// loads them (no inline script or style: the Content-Security-Policy allows none). Prints the
// gzipped size of what a browser downloads; over 300 KB fails the build.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";

const out = "dist";
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ["src/main.tsx"],
  bundle: true,
  minify: true,
  format: "esm",
  target: ["chrome100", "safari15"],
  jsx: "automatic",
  jsxImportSource: "preact",
  outfile: `${out}/console.js`,
  legalComments: "none",
  logLevel: "warning",
});
copyFileSync("src/index.html", `${out}/index.html`);
copyFileSync("src/styles.css", `${out}/styles.css`);

const files = ["index.html", "console.js", "styles.css"];
const gzipped = files.reduce((sum, file) => sum + gzipSync(readFileSync(`${out}/${file}`)).length, 0);
const raw = files.reduce((sum, file) => sum + statSync(`${out}/${file}`).size, 0);
console.log(`console: ${files.length} files, ${(raw / 1024).toFixed(1)} KB, ${(gzipped / 1024).toFixed(1)} KB gzipped`);
if (gzipped > 300 * 1024) {
  console.error("console: the gzipped bundle is over 300 KB");
  process.exit(1);
}
