// From advisories to findings: one per advisory and installed version (merged across sources on
// any shared GHSA/CVE id), with where it comes from, how to fix it, and what it means for the
// check: fail, warn or only reported, by severity (`security.levels`), unless an unexpired
// entry of `security.ignore` accepts the risk.
import * as semver from "semver";
import type { Advisory, Severity } from "./advisories";
import type { Lockfile } from "./lockfile";

export type Disposition = "fail" | "warn" | "report";

export interface IgnoreEntry {
  /** A GHSA, CVE or OSV id. */
  id: string;
  reason: string;
  /** YYYY-MM-DD: from this day on the advisory is a finding again. */
  expires: string;
}

export interface SecuritySettings {
  /** What each severity does to the check. */
  levels: Record<Severity, Disposition>;
  ignore: IgnoreEntry[];
}

export const DEFAULT_SECURITY_SETTINGS: SecuritySettings = {
  levels: { critical: "fail", high: "warn", moderate: "report", low: "report" },
  ignore: [],
};

export interface Finding extends Omit<Advisory, "name"> {
  package: string;
  direct: boolean;
  /** The direct dependencies it comes through (itself when direct). */
  via: string[];
  /** What to run. */
  fix: string;
  disposition: Disposition | "ignored";
  /** The ignore entry that accepts it, or the one that expired. */
  ignore?: IgnoreEntry & { expired: boolean };
}

const RANK: Record<Severity, number> = { critical: 0, high: 1, moderate: 2, low: 3 };

/** Advisories about the same package version sharing an id are one (the first source's text wins, sources add up). */
export function mergeAdvisories(all: Advisory[]): Advisory[] {
  const merged: Advisory[] = [];
  const byKey = new Map<string, Advisory>();
  for (const a of all) {
    const keys = a.ids.map((id) => `${a.name}@${a.version}#${id.toUpperCase()}`);
    const into = keys.map((k) => byKey.get(k)).find(Boolean);
    if (!into) {
      const copy = { ...a, ids: [...a.ids], sources: [...a.sources] };
      merged.push(copy);
      keys.forEach((k) => byKey.set(k, copy));
      continue;
    }
    for (const id of a.ids) if (!into.ids.includes(id)) into.ids.push(id);
    for (const s of a.sources) if (!into.sources.includes(s)) into.sources.push(s);
    // OSV without details only knows the id: take the richer text and the higher severity.
    if (into.title === into.ids[0] && a.title !== a.ids[0]) Object.assign(into, { title: a.title, url: a.url });
    if (RANK[a.severity] < RANK[into.severity]) into.severity = a.severity;
    into.range ??= a.range;
    into.fixedIn ??= a.fixedIn;
    keys.forEach((k) => byKey.set(k, into));
  }
  return merged;
}

const COMMANDS = {
  npm: { fix: "npm audit fix", install: "npm install" },
  pnpm: { fix: "pnpm update", install: "pnpm add" },
  yarn: { fix: "yarn upgrade", install: "yarn add" },
};

/** The command that fixes it: a direct dependency is bumped, a transitive one updated within its parents' ranges, else its parents bumped. */
export function fixCommand(lock: Lockfile, name: string, direct: boolean, via: string[], fixedIn?: string): string {
  const c = COMMANDS[lock.kind];
  if (!fixedIn)
    return `no fixed version yet: remove or replace ${direct ? name : `${name} (through ${via.join(", ") || "?"})`}, or accept the risk in security.ignore`;
  if (direct) {
    const declared = lock.direct[name];
    const inRange = declared && semver.validRange(declared) && semver.satisfies(fixedIn, declared);
    return inRange ? `${c.fix} (or: ${c.install} ${name}@${fixedIn})` : `${c.install} ${name}@^${fixedIn}`;
  }
  return `${c.fix}; if ${name} stays below ${fixedIn}, bump ${via.join(", ") || "the dependency that pulls it in"} (npm ls ${name})`;
}

/** Findings of a lock-file's merged advisories on `today` (YYYY-MM-DD), worst first. */
export function findingsOf(
  lock: Lockfile,
  advisories: Advisory[],
  settings: SecuritySettings,
  today: string,
): Finding[] {
  const installed = new Map(lock.packages.map((p) => [`${p.name}@${p.version}`, p]));
  const findings = mergeAdvisories(advisories).map((a): Finding => {
    const p = installed.get(`${a.name}@${a.version}`);
    const direct = !!p?.direct;
    const via = p?.via ?? [];
    const entry = settings.ignore.find((i) => a.ids.some((id) => id.toUpperCase() === i.id.toUpperCase()));
    const expired = entry ? entry.expires <= today : false;
    const { name, ...rest } = a;
    return {
      ...rest,
      package: name,
      direct,
      via,
      fix: fixCommand(lock, name, direct, via, a.fixedIn),
      disposition: entry && !expired ? "ignored" : settings.levels[a.severity],
      ...(entry ? { ignore: { ...entry, expired } } : {}),
    };
  });
  return findings.sort(
    (x, y) =>
      RANK[x.severity] - RANK[y.severity] || x.package.localeCompare(y.package) || x.version.localeCompare(y.version),
  );
}
