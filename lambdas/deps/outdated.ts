// The monthly "Mise à jour des dépendances" for a lock-file's direct dependencies: the version
// installed against the registry's `latest` dist-tag (abbreviated packuments, a few at a time:
// the registry has no bulk endpoint for them), how far behind (patch, minor, major), whether the
// installed version is deprecated, and the command to run. Nothing is changed.
import * as semver from "semver";
import type { JsonClient } from "../security/http";
import type { Lockfile } from "../security/lockfile";

export type Behind = "up to date" | "patch" | "minor" | "major" | "ahead" | "unknown";

export interface Outdated {
  name: string;
  installed: string;
  wanted: string;
  latest?: string;
  behind: Behind;
  deprecated?: string;
  command?: string;
}

interface Packument {
  "dist-tags"?: { latest?: string };
  versions?: Record<string, { deprecated?: string }>;
}

const packumentUrl = (registry: string, name: string) =>
  `${registry.replace(/\/+$/, "")}/${name.startsWith("@") ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name)}`;

export function behind(installed: string, latest: string | undefined): Behind {
  if (!latest || !semver.valid(installed) || !semver.valid(latest)) return "unknown";
  if (semver.eq(installed, latest)) return "up to date";
  if (semver.gt(installed, latest)) return "ahead";
  const diff = semver.diff(installed, latest);
  return diff === "major" || diff === "premajor"
    ? "major"
    : diff === "minor" || diff === "preminor"
      ? "minor"
      : "patch";
}

export async function outdatedDirect(
  lock: Lockfile,
  registry: string,
  client: JsonClient,
  concurrency = 8,
): Promise<Outdated[]> {
  const direct = lock.packages.filter((p) => p.direct);
  const out: Outdated[] = new Array(direct.length);
  const tool =
    lock.kind === "npm"
      ? { update: "npm update", install: "npm install" }
      : lock.kind === "pnpm"
        ? { update: "pnpm update", install: "pnpm add" }
        : { update: "yarn upgrade", install: "yarn add" };
  let next = 0;
  const worker = async () => {
    while (next < direct.length) {
      const i = next++;
      const p = direct[i];
      const doc = await client.request<Packument>({
        source: "npm registry",
        url: packumentUrl(registry, p.name),
        headers: { accept: "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8" },
        allow: [404],
      });
      const latest = doc?.["dist-tags"]?.latest;
      const b = behind(p.version, latest);
      const wanted = lock.direct[p.name] ?? "";
      const deprecated = doc?.versions?.[p.version]?.deprecated;
      const inRange = latest && semver.validRange(wanted) ? semver.satisfies(latest, wanted) : false;
      const command =
        b === "patch" || b === "minor" || b === "major"
          ? inRange
            ? `${tool.update} ${p.name}`
            : `${tool.install} ${p.name}@${latest}`
          : undefined;
      out[i] = {
        name: p.name,
        installed: p.version,
        wanted,
        latest,
        behind: b,
        ...(deprecated ? { deprecated } : {}),
        ...(command ? { command } : {}),
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, direct.length) }, worker));
  return out;
}
