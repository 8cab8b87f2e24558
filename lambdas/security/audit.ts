// The weekly vulnerability scan of one lock-file: every package version against npm's bulk
// advisories and OSV (batched: a handful of requests for the whole file), merged, then judged
// by `security.levels` and `security.ignore`. A source that stays unavailable is reported as
// such (the check warns), never read as "no vulnerabilities".
import {
  DEFAULT_OSV_URL,
  defaultRegistry,
  npmAdvisories,
  osvAdvisories,
  SEVERITIES,
  type Advisory,
  type OsvDetailCache,
  type Severity,
} from "./advisories";
import { findingsOf, type Finding, type SecuritySettings } from "./findings";
import { JsonClient, SourceUnavailableError } from "./http";
import { versionsByName, type Lockfile } from "./lockfile";
import { snykAdvisories, type SnykSource } from "./snyk";

export interface AuditOptions {
  registry?: string;
  osvUrl?: string;
  settings: SecuritySettings;
  client: JsonClient;
  /** OSV details kept from earlier runs (the scan adds what it fetched). */
  osvCache?: OsvDetailCache;
  /** Snyk, only when its token is configured: else never called. */
  snyk?: SnykSource;
  /** YYYY-MM-DD, for the ignore list's expiry dates. */
  today: string;
}

export interface AuditReport {
  lockfile: { file: string; kind: string; packages: number; direct: number };
  findings: Finding[];
  counts: Record<Severity, number>;
  /** Per source: `ok` or why it could not be read (`skipped`: a source that does not apply, not a failure). */
  sources: Record<string, string>;
  warnings: string[];
}

export async function auditLockfile(lock: Lockfile, options: AuditOptions): Promise<AuditReport> {
  const versions = versionsByName(lock);
  const sources: Record<string, string> = {};
  const advisories: Advisory[] = [];
  const read = async (name: string, work: () => Promise<Advisory[]>) => {
    try {
      advisories.push(...(await work()));
      sources[name] = "ok";
    } catch (error) {
      if (!(error instanceof SourceUnavailableError)) throw error;
      sources[name] = `unavailable: ${error.message}`;
    }
  };
  await read("npm", () => npmAdvisories(options.client, options.registry ?? defaultRegistry(), versions));
  const known = new Set(advisories.flatMap((a) => a.ids.map((id) => id.toUpperCase())));
  await read("osv", () =>
    osvAdvisories(options.client, options.osvUrl ?? DEFAULT_OSV_URL, versions, known, options.osvCache),
  );
  if (options.snyk) {
    const snyk = options.snyk;
    let skipped = false;
    await read("snyk", async () => {
      const found = await snykAdvisories(options.client, snyk, lock);
      skipped = !found;
      return found ?? [];
    });
    if (skipped) sources.snyk = `skipped: Snyk's test API is given package-lock.json only, this is ${lock.kind}'s`;
  }
  const findings = findingsOf(lock, advisories, options.settings, options.today);
  const counts = Object.fromEntries(
    SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s && f.disposition !== "ignored").length]),
  ) as Record<Severity, number>;
  return {
    lockfile: {
      file: lock.file,
      kind: lock.kind,
      packages: lock.packages.length,
      direct: Object.keys(lock.direct).length,
    },
    findings,
    counts,
    sources,
    warnings: lock.warnings,
  };
}
