// Builds the operator CLI into .build/cli/: one CommonJS bundle (main.js, minified, with a linked
// source map) and the launcher ops.js that package.json's `bin` names. Run by `npm ci`
// (prepare), by `npm run build:cli` and by jest's globalSetup, so tests run the current sources.
//
// Start time: the bundle holds every command, but the commands' work (bin/ops/*-run.ts, with the
// AWS SDK, pg, zod) is only `require`d when a command runs; esbuild wraps those modules in lazy
// initialisers, so `--help` evaluates commander and the command definitions only.
import { build, type BuildOptions, type Plugin } from "esbuild";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";

export const REPO_ROOT = path.join(__dirname, "..");
export const CLI_DIR = path.join(REPO_ROOT, ".build", "cli");
/** The file to run: `node .build/cli/ops.js …`, or `npx ops …`. */
export const CLI_FILE = path.join(CLI_DIR, "ops.js");

// infra/config imports @pulumi/pulumi (and through it TypeScript: 4 MB, a second to load) for
// loadStackConfig, which the CLI never calls, and for pulumi.secret, which the schema applies to
// secret fields. The CLI reads the stack file with secrets as placeholders and never uses them:
// a stand-in with only `secret` is all it needs.
const withoutPulumi: Plugin = {
  name: "without-pulumi",
  setup(b) {
    b.onResolve({ filter: /^@pulumi\/pulumi$/ }, () => ({ path: "@pulumi/pulumi", namespace: "cli-stub" }));
    b.onLoad({ filter: /.*/, namespace: "cli-stub" }, () => ({
      contents: "exports.secret = (value) => value;",
      loader: "js",
    }));
  },
};

export function cliBuildOptions(): BuildOptions {
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: ["bin/ops.ts"],
    outfile: ".build/cli/main.js",
    bundle: true,
    platform: "node",
    format: "cjs",
    // The oldest Node the package supports (engines).
    target: "node20",
    minify: true,
    sourcemap: "linked",
    // Source paths relative to the map; nothing machine-specific in the output.
    sourcesContent: false,
    sourceRoot: "",
    legalComments: "none",
    // Optional native bindings, never used.
    external: ["pg-native"],
    plugins: [withoutPulumi],
    logLevel: "warning",
  };
}

// Source maps on before main.js is compiled, so stack traces name the TypeScript lines.
const LAUNCHER = `#!/usr/bin/env node
"use strict";
// Built by bin/build-cli.ts.
process.setSourceMapsEnabled(true);
require("./main.js").main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
`;

export async function buildCli(): Promise<void> {
  mkdirSync(CLI_DIR, { recursive: true });
  await build(cliBuildOptions());
  writeFileSync(CLI_FILE, LAUNCHER);
  chmodSync(CLI_FILE, 0o755);
}

if (require.main === module) {
  buildCli().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
