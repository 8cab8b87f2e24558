// `npm run bench -- bundles`: the zipped size of each function's deployment archive against
// Lambda-friendly budget of 1 MB (fast cold starts, far under the 50 MB upload limit), and
// against a baseline built in the same run: the same handler bundled the plain way
// (`esbuild --bundle`, no minification, sources inlined in the source map).
// Sizes do not depend on the machine's load, and bundle() caches each build, so one round; the
// machine's state (bench/measure.ts) is printed only so every bench's output reads the same.
import { readdirSync } from "fs";
import * as path from "path";
import { bundle, REPO_ROOT, zipBundle } from "../infra/bundle";
import { describeMachine } from "./measure";

const BUDGET = 1024 * 1024;
const handlers = readdirSync(path.join(REPO_ROOT, "lambdas", "handlers"))
  .map((f) => f.replace(/\.ts$/, ""))
  .sort();
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

console.log(describeMachine("before"));
let over = 0;
for (const handler of handlers) {
  const ours = zipBundle(bundle(handler).files).length;
  const plain = zipBundle(bundle(handler, { minify: false, sourcesContent: true }).files).length;
  if (ours >= BUDGET) over++;
  console.log(
    `bundle ${handler}: ${kb(ours)} zipped (${(ours / BUDGET).toFixed(2)} of the 1 MB budget; ${(ours / plain).toFixed(2)}x the plain esbuild bundle, ${kb(plain)})`,
  );
}
console.log(describeMachine("after"));
if (over) {
  console.error(`${over} bundle(s) over the 1 MB budget`);
  process.exitCode = 1;
}
