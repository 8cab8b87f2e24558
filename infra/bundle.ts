// One handler of lambdas/handlers/, bundled by esbuild into a deterministic archive: the same
// sources give byte-identical files (no absolute path, no timestamp), so Pulumi computes the
// same archive hash and a preview with no change shows no diff.
import { build, buildSync, type BuildOptions, type BuildResult } from "esbuild";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { zipSync } from "fflate";
import { createHash } from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LAMBDA_RUNTIME } from "../lambdas/core/contract";

export const REPO_ROOT = path.join(__dirname, "..");
const HANDLERS_DIR = "lambdas/handlers";

export interface Bundle {
  /** File name → content: `index.js` and its source map `index.js.map`. */
  files: Record<string, string>;
  /** sha-256 of the files, names included: what changes exactly when the code does. */
  sha256: string;
}

/** esbuild options shared by the program and the bench (which turns minify off for its baseline). */
export function bundleOptions(handler: string): BuildOptions {
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: [`${HANDLERS_DIR}/${handler}.ts`],
    outfile: "out/index.js",
    bundle: true,
    platform: "node",
    format: "cjs",
    target: LAMBDA_RUNTIME.replace(/\.x$/, "").replace("nodejs", "node"),
    minify: true,
    treeShaking: true,
    sourcemap: "linked",
    // Stack traces map to file:line without shipping the sources again inside the map.
    sourcesContent: false,
    // Source paths relative to the repo in the map; nothing machine-specific in the output.
    sourceRoot: "",
    legalComments: "none",
    // pg's optional native binding is never used.
    external: ["pg-native"],
    write: false,
    logLevel: "silent",
  };
}

const cache = new Map<string, Bundle>();

/**
 * A folder of bundles built ahead by `prebuildBundles` (jest's globalSetup builds every handler
 * once per run, in parallel, instead of once per test file). Unset, `bundle` builds.
 */
export const PREBUILT_BUNDLES_ENV = "ELEGANCE_OPS_PREBUILT_BUNDLES";

/** Bundles `lambdas/handlers/<handler>.ts`; cached per handler for the program run. */
export function bundle(handler: string, options: Partial<BuildOptions> = {}): Bundle {
  const key = `${handler}:${JSON.stringify(options)}`;
  const built =
    cache.get(key) ??
    prebuilt(handler, options) ??
    digest(buildSync({ ...bundleOptions(handler), ...options }), handler);
  cache.set(key, built);
  return built;
}

function prebuilt(handler: string, options: Partial<BuildOptions>): Bundle | undefined {
  const dir = process.env[PREBUILT_BUNDLES_ENV];
  if (!dir || Object.keys(options).length > 0) return undefined;
  const file = path.join(dir, `${handler}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Bundle) : undefined;
}

/** Builds every handler concurrently into `dir` (one `<handler>.json` each), for `bundle` to read. */
export async function prebuildBundles(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const handlers = readdirSync(path.join(REPO_ROOT, HANDLERS_DIR))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.slice(0, -3));
  await Promise.all(
    handlers.map(async (handler) => {
      const built = digest(await build(bundleOptions(handler)), handler);
      writeFileSync(path.join(dir, `${handler}.json`), JSON.stringify(built));
    }),
  );
}

function digest(result: BuildResult, handler: string): Bundle {
  const files: Record<string, string> = {};
  for (const file of result.outputFiles ?? []) files[path.basename(file.path)] = file.text;
  if (!files["index.js"]) throw new Error(`esbuild produced no index.js for ${HANDLERS_DIR}/${handler}.ts`);
  const hash = createHash("sha256");
  for (const name of Object.keys(files).sort()) hash.update(`${name}\0${files[name]}\0`);
  return { files, sha256: hash.digest("hex") };
}

/** The archive Pulumi uploads as the function's code. */
export function bundleArchive(handler: string): pulumi.asset.AssetArchive {
  const { files } = bundle(handler);
  return new pulumi.asset.AssetArchive(
    Object.fromEntries(
      Object.keys(files)
        .sort()
        .map((name) => [name, new pulumi.asset.StringAsset(files[name])]),
    ),
  );
}

// Zip entries carry a date: a fixed one keeps the bytes stable (1980-01-01, the format's epoch).
const FIXED_MTIME = new Date("1980-01-01T00:00:00Z");

/** The zip Lambda receives, built deterministically: for sizes (bench) and hashes. */
export function zipBundle(files: Record<string, string>): Uint8Array {
  const entries = Object.fromEntries(
    Object.keys(files)
      .sort()
      .map((name) => [
        name,
        [new TextEncoder().encode(files[name]), { mtime: FIXED_MTIME, level: 9 as const }] as const,
      ]),
  );
  return zipSync(entries as Parameters<typeof zipSync>[0]);
}
