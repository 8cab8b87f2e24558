// `npm run bench -- <name>`: runs bench/<name>.ts; with no name, lists the benchmarks.
import { readdirSync } from "fs";
import * as path from "path";

const names = readdirSync(__dirname)
  .filter((f) => f.endsWith(".ts") && !["run.ts", "measure.ts"].includes(f))
  .map((f) => f.replace(/\.ts$/, ""));
const wanted = process.argv[2];
if (!wanted || !names.includes(wanted)) {
  console.error(`usage: npm run bench -- <${names.join("|")}>`);
  process.exitCode = wanted ? 2 : 0;
} else {
  require(path.join(__dirname, wanted));
}
