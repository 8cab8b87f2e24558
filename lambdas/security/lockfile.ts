// A lock-file as the scans read it: every installed package and version, which ones the app
// declares itself (direct) and, for the others, through which direct dependency they come.
// npm's package-lock.json (v2/v3: the `packages` map) is read fully; pnpm-lock.yaml (v6/v9,
// with `yaml`) and yarn.lock (v1, with `@yarnpkg/lockfile`) too. Anything else is an error
// naming the file.
import { parse as parseYarn } from "@yarnpkg/lockfile";
import { parse as parseYaml } from "yaml";

export type LockfileKind = "npm" | "pnpm" | "yarn";

export interface LockedPackage {
  name: string;
  version: string;
  /** Declared by the app's package.json itself. */
  direct: boolean;
  /** Only needed by devDependencies (absent from a production install). */
  dev: boolean;
  /** The direct dependencies that pull it in (itself when direct). */
  via: string[];
}

export interface Lockfile {
  /** The file's name as found, e.g. `package-lock.json`, or the path given. */
  file: string;
  kind: LockfileKind;
  packages: LockedPackage[];
  /** Direct dependencies: name → the range package.json asks for. */
  direct: Record<string, string>;
  warnings: string[];
  /** The file as read: Snyk's test API takes the whole file. */
  text?: string;
}

export class LockfileError extends Error {
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = "LockfileError";
  }
}

export const LOCKFILE_NAMES: Record<string, LockfileKind> = {
  "package-lock.json": "npm",
  "pnpm-lock.yaml": "pnpm",
  "yarn.lock": "yarn",
};

/** The kind from the file name (any directory), else from the content. */
export function lockfileKind(file: string, text: string): LockfileKind {
  const base = file.split(/[\\/]/).pop() ?? file;
  if (LOCKFILE_NAMES[base]) return LOCKFILE_NAMES[base];
  if (text.trimStart().startsWith("{")) return "npm";
  if (/^lockfileVersion:/m.test(text)) return "pnpm";
  if (/^# yarn lockfile v1/m.test(text) || /^__metadata:/m.test(text)) return "yarn";
  throw new LockfileError(file, "not a package-lock.json, pnpm-lock.yaml or yarn.lock");
}

/** A graph of installed packages: node id → name, version, dependency ids. */
interface Node {
  name: string;
  version: string;
  dev: boolean;
  deps: string[];
}

/** Walks from each direct dependency: who pulls in what. */
function resolveVia(nodes: Map<string, Node>, roots: Map<string, string>): Map<string, Set<string>> {
  const via = new Map<string, Set<string>>();
  for (const [name, rootId] of roots) {
    const stack = [rootId];
    const seen = new Set<string>();
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id) || !nodes.has(id)) continue;
      seen.add(id);
      if (!via.has(id)) via.set(id, new Set());
      via.get(id)!.add(name);
      stack.push(...nodes.get(id)!.deps);
    }
  }
  return via;
}

function build(
  file: string,
  kind: LockfileKind,
  nodes: Map<string, Node>,
  roots: Map<string, string>,
  direct: Record<string, string>,
  warnings: string[],
): Lockfile {
  const via = resolveVia(nodes, roots);
  const rootIds = new Set(roots.values());
  const packages = [...nodes.entries()].map(([id, n]) => ({
    name: n.name,
    version: n.version,
    direct: rootIds.has(id),
    dev: n.dev,
    via: [...(via.get(id) ?? [])].sort(),
  }));
  return { file, kind, packages, direct, warnings };
}

type Deps = Record<string, string> | undefined;
const depNames = (...lists: Deps[]) => lists.flatMap((l) => Object.keys(l ?? {}));

function parseNpm(file: string, text: string): Lockfile {
  let lock: {
    lockfileVersion?: number;
    packages?: Record<
      string,
      {
        name?: string;
        version?: string;
        dev?: boolean;
        link?: boolean;
        resolved?: string;
        dependencies?: Deps;
        devDependencies?: Deps;
        optionalDependencies?: Deps;
        peerDependencies?: Deps;
      }
    >;
  };
  try {
    lock = JSON.parse(text);
  } catch (error) {
    throw new LockfileError(file, `not valid JSON (${(error as Error).message})`);
  }
  if (!lock || typeof lock !== "object" || !lock.packages || typeof lock.packages !== "object") {
    const version = lock && typeof lock === "object" ? lock.lockfileVersion : undefined;
    throw new LockfileError(
      file,
      `no "packages" map (lockfileVersion ${version ?? "missing"}); regenerate it with npm 7 or later (lockfileVersion 2 or 3)`,
    );
  }
  const entries = lock.packages;
  const root = entries[""] ?? {};
  const nodes = new Map<string, Node>();
  // Node's resolution: <dir>/node_modules/<name>, then each parent's, up to the root's.
  const resolve = (from: string, name: string): string | undefined => {
    let dir = from;
    for (;;) {
      const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
      if (entries[candidate])
        return entries[candidate].link && entries[candidate].resolved ? entries[candidate].resolved : candidate;
      if (!dir) return undefined;
      const cut = dir.lastIndexOf("/node_modules/");
      dir = cut < 0 ? "" : dir.slice(0, cut);
    }
  };
  for (const [path, entry] of Object.entries(entries)) {
    if (!path || entry.link || !path.includes("node_modules/")) continue;
    const name = entry.name ?? path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    if (!entry.version) throw new LockfileError(file, `packages["${path}"] has no version`);
    const deps = depNames(entry.dependencies, entry.optionalDependencies, entry.peerDependencies)
      .map((d) => resolve(path, d))
      .filter((d): d is string => !!d);
    nodes.set(path, { name, version: entry.version, dev: !!entry.dev, deps });
  }
  const direct: Record<string, string> = {
    ...root.optionalDependencies,
    ...root.devDependencies,
    ...root.dependencies,
  };
  const roots = new Map<string, string>();
  for (const name of Object.keys(direct)) {
    const id = resolve("", name);
    if (id) roots.set(name, id);
  }
  return build(file, "npm", nodes, roots, direct, []);
}

/** `/next@14.2.3(react@18.3.1)` or `next@14.2.3` → name and version. */
function pnpmKey(key: string): { name: string; version: string } | undefined {
  const clean = key.replace(/^\//, "").replace(/\(.*$/, "");
  const at = clean.lastIndexOf("@");
  if (at <= 0) return undefined;
  return { name: clean.slice(0, at), version: clean.slice(at + 1) };
}

function parsePnpm(file: string, text: string): Lockfile {
  let lock: {
    lockfileVersion?: string | number;
    importers?: Record<string, PnpmImporter>;
    packages?: Record<string, PnpmPackage>;
    snapshots?: Record<string, PnpmPackage>;
  } & PnpmImporter;
  try {
    lock = parseYaml(text);
  } catch (error) {
    throw new LockfileError(file, `not valid YAML (${(error as Error).message.split("\n")[0]})`);
  }
  if (!lock || typeof lock !== "object" || lock.lockfileVersion === undefined)
    throw new LockfileError(file, "no lockfileVersion: not a pnpm lock-file");
  const graph = lock.snapshots ?? lock.packages ?? {};
  const idOf = (name: string, version: string) => (lock.snapshots ? `${name}@${version}` : `/${name}@${version}`);
  const nodes = new Map<string, Node>();
  for (const [key, entry] of Object.entries(graph)) {
    const parsed = pnpmKey(key);
    if (!parsed) continue;
    const deps = Object.entries({ ...entry?.dependencies, ...entry?.optionalDependencies }).map(([n, v]) =>
      idOf(n, String(v)),
    );
    nodes.set(key, { name: parsed.name, version: parsed.version, dev: !!entry?.dev, deps });
  }
  const importer = lock.importers?.["."] ?? lock;
  const direct: Record<string, string> = {};
  const roots = new Map<string, string>();
  for (const group of [importer.optionalDependencies, importer.devDependencies, importer.dependencies]) {
    for (const [name, spec] of Object.entries(group ?? {})) {
      const version = typeof spec === "string" ? spec : String(spec.version);
      direct[name] = typeof spec === "string" ? spec : (spec.specifier ?? version);
      if (!version.startsWith("link:")) roots.set(name, idOf(name, version));
    }
  }
  return build(file, "pnpm", nodes, roots, direct, []);
}
type PnpmDeps = Record<string, string | { specifier?: string; version: string }>;
interface PnpmImporter {
  dependencies?: PnpmDeps;
  devDependencies?: PnpmDeps;
  optionalDependencies?: PnpmDeps;
}
interface PnpmPackage {
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** yarn.lock v1 needs the app's package.json to tell direct from transitive. */
function parseYarnLock(
  file: string,
  text: string,
  manifest?: { dependencies?: Deps; devDependencies?: Deps },
): Lockfile {
  if (/^__metadata:/m.test(text))
    throw new LockfileError(
      file,
      "a Yarn 2+ (berry) lock-file: run `yarn npm audit` in the app, or add a package-lock.json",
    );
  const parsed = parseYarn(text);
  if (parsed.type !== "success") throw new LockfileError(file, `yarn could not parse it (${parsed.type})`);
  const entries = parsed.object as Record<
    string,
    { version: string; dependencies?: Deps; optionalDependencies?: Deps }
  >;
  const nameOf = (key: string) => key.slice(0, key.lastIndexOf("@"));
  const nodes = new Map<string, Node>();
  const idOfKey = (key: string) => (entries[key] ? `${nameOf(key)}@${entries[key].version}` : undefined);
  for (const [key, entry] of Object.entries(entries)) {
    const id = idOfKey(key)!;
    const deps = Object.entries({ ...entry.dependencies, ...entry.optionalDependencies })
      .map(([n, r]) => idOfKey(`${n}@${r}`))
      .filter((d): d is string => !!d);
    nodes.set(id, { name: nameOf(key), version: entry.version, dev: false, deps });
  }
  const warnings: string[] = [];
  const direct: Record<string, string> = { ...manifest?.devDependencies, ...manifest?.dependencies };
  const roots = new Map<string, string>();
  for (const [name, range] of Object.entries(direct)) {
    const id = idOfKey(`${name}@${range}`);
    if (id) roots.set(name, id);
  }
  if (!manifest)
    warnings.push(`${file}: no package.json beside it, so direct and transitive dependencies are not told apart`);
  return build(file, "yarn", nodes, roots, direct, warnings);
}

/** Parses a lock-file; `manifest` (the app's package.json) is only needed for yarn.lock. */
export function parseLockfile(
  file: string,
  text: string,
  manifest?: { dependencies?: Deps; devDependencies?: Deps },
): Lockfile {
  if (!text.trim()) throw new LockfileError(file, "empty file");
  const kind = lockfileKind(file, text);
  if (kind === "npm") return { ...parseNpm(file, text), text };
  if (kind === "pnpm") return { ...parsePnpm(file, text), text };
  return { ...parseYarnLock(file, text, manifest), text };
}

/** Every version of each package (the bulk advisory endpoint's body). */
export function versionsByName(lock: Lockfile): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const p of lock.packages) (out[p.name] ??= new Set()).add(p.version);
  return Object.fromEntries(Object.entries(out).map(([name, versions]) => [name, [...versions].sort()]));
}
