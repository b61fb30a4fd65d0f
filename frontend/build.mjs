// Bundle the browser sources into frontend/dist, served by Django's staticfiles.
// Everything a page loads comes from this bundle: no CDN, no remote font, no analytics.
import { build } from "esbuild";
import { cpSync, existsSync, mkdirSync } from "node:fs";

const outdir = new URL("./dist/", import.meta.url).pathname;
mkdirSync(outdir, { recursive: true });

const common = { bundle: true, minify: true, target: ["es2020"], legalComments: "eof", logLevel: "warning" };

await build({ ...common, entryPoints: { mashwara: "frontend/src/mashwara.js" }, outdir, format: "iife" });
// On every page, including those with their own scripts (base.html loads it outside the block).
await build({ ...common, entryPoints: { "quick-exit": "frontend/src/quick-exit.js" }, outdir, format: "iife" });
await build({ ...common, entryPoints: { mashwara: "frontend/src/mashwara.css" }, outdir });
await build({ ...common, entryPoints: { crypto: "frontend/crypto/index.js" }, outdir, format: "iife", globalName: "MashwaraCrypto" });
await build({ ...common, entryPoints: { "voting-ballot": "frontend/src/voting/ballot-page.js", "voting-credential": "frontend/src/voting/credential-page.js", "voting-trustee": "frontend/src/voting/trustee-page.js" }, outdir, format: "iife" });
// Loaded only when the voter prints the credential sheet (keeps the first load small).
await build({ ...common, entryPoints: { "voting-qr": "frontend/src/voting/credential-qr.js" }, outdir, format: "iife" });
await build({ ...common, entryPoints: { voting: "frontend/src/voting/voting.css" }, outdir });
if (existsSync("frontend/src/static")) cpSync("frontend/src/static", outdir, { recursive: true });
