// Bundles the playground and GraphiQL into ../kgservice/api/playground/static (nothing from a CDN).
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(here, "../kgservice/api/playground/static");

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
await build({
  entryPoints: {
    playground: path.join(here, "src/playground.js"),
    graphiql: path.join(here, "src/graphiql.jsx"),
  },
  outdir,
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "esm",
  target: ["es2020"],
  jsx: "automatic",
  loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".svg": "file", ".png": "file" },
  define: { "process.env.NODE_ENV": '"production"' },
  legalComments: "linked",
  logLevel: "warning",
});
for (const page of ["index.html", "graphiql.html"]) {
  await copyFile(path.join(here, "src", page), path.join(outdir, page));
}
console.log(`playground built into ${outdir}`);
