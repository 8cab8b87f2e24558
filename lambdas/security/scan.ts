// The vulnerability scan as the check and `ops security audit` run it: which lock-files (a
// given file; else the app's production deployment on Vercel and the stack's own), each
// audited, and the result a person reads.
import type { S3Client } from "@aws-sdk/client-s3";
import type { CheckResult, CheckStatus } from "../core/check";
import { worst } from "../core/check";
import type { SecurityInputs } from "../core/inputs";
import type { Severity } from "./advisories";
import { auditLockfile, type AuditReport } from "./audit";
import { DEFAULT_SECURITY_SETTINGS, type Disposition, type SecuritySettings } from "./findings";
import { JsonClient, type HttpOptions } from "./http";
import { loadOsvCache, saveOsvCache } from "./osv-cache";
import { lockfiles } from "./sources";

const DISPOSITIONS: readonly Disposition[] = ["fail", "warn", "report"];

/** The stack config's levels and ignore list over the defaults (bad values were refused by the schema). */
export function securitySettings(inputs?: SecurityInputs): SecuritySettings {
  const levels = { ...DEFAULT_SECURITY_SETTINGS.levels };
  for (const [severity, value] of Object.entries(inputs?.levels ?? {})) {
    if (severity in levels && DISPOSITIONS.includes(value as Disposition))
      levels[severity as Severity] = value as Disposition;
  }
  return { levels, ignore: inputs?.ignore ?? [] };
}

export interface ScanResult {
  reports: (AuditReport & { origin: string })[];
  /** Lock-files that could not be read (the source's error), reported as a warning. */
  unreadable: string[];
  requests: Record<string, number>;
  /** OSV details: how many were reused from the logs bucket, and why the cache could not be used. */
  osvCache?: { reused: number; fetched: number; problems: string[] };
}

/** Where the OSV detail cache lives: the logs bucket (absent: every run fetches the details). */
export interface ScanStore {
  s3: () => S3Client;
  bucket: string;
}

export async function runScan(
  inputs: SecurityInputs | undefined,
  today: string,
  http: HttpOptions = {},
  store?: ScanStore,
): Promise<ScanResult> {
  const settings = securitySettings(inputs);
  const client = new JsonClient(http);
  const unreadable: string[] = [];
  const reports: ScanResult["reports"] = [];
  const cache = store ? await loadOsvCache(store.s3(), store.bucket) : undefined;
  const before = new Map(cache?.entries);
  for (const { origin, lock } of await lockfiles(inputs, unreadable, http, client)) {
    reports.push({
      origin,
      ...(await auditLockfile(lock, {
        registry: inputs?.registryUrl,
        osvUrl: inputs?.osvUrl,
        settings,
        client,
        today,
        osvCache: cache?.entries,
        snyk: inputs?.snyk,
      })),
    });
  }
  const result: ScanResult = { reports, unreadable, requests: client.counter.counts };
  if (store && cache) {
    const saved = await saveOsvCache(store.s3(), store.bucket, cache);
    const fetched = [...cache.entries].filter(([id, e]) => before.get(id) !== e).length;
    result.osvCache = {
      reused: [...before.keys()].filter((id) => cache.entries.get(id) === before.get(id)).length,
      fetched,
      problems: [cache.problem, saved].filter((p): p is string => !!p),
    };
  }
  return result;
}

/** fail/warn from the findings' dispositions; a source or lock-file that could not be read is a warn at least. */
export function scanResult(scan: ScanResult): CheckResult {
  const findings = scan.reports.flatMap((r) => r.findings);
  const down = scan.reports.flatMap((r) =>
    Object.entries(r.sources)
      .filter(([, s]) => s !== "ok" && !s.startsWith("skipped"))
      .map(([name, s]) => `${name} ${s}`),
  );
  const statuses: CheckStatus[] = findings.map((f) =>
    f.disposition === "fail" ? "fail" : f.disposition === "warn" ? "warn" : "ok",
  );
  if (down.length || scan.unreadable.length) statuses.push("warn");
  const status = worst(...statuses);
  const open = findings.filter((f) => f.disposition !== "ignored");
  const count = (s: Severity) => open.filter((f) => f.severity === s).length;
  const parts = [
    `${count("critical")} critical, ${count("high")} high, ${count("moderate")} moderate, ${count("low")} low`,
  ];
  const ignored = findings.length - open.length;
  if (ignored) parts.push(`${ignored} ignored`);
  const expired = findings.filter((f) => f.ignore?.expired).length;
  if (expired) parts.push(`${expired} whose ignore expired`);
  const files = scan.reports.map((r) => `${r.lockfile.file} (${r.lockfile.packages} packages)`).join(", ");
  let summary = `${parts.join(", ")} in ${files}`;
  if (down.length)
    summary = `source unavailable: ${[...new Set(down.map((d) => d.split(" ")[0]))].join(", ")}; ${summary} (incomplete)`;
  if (scan.unreadable.length) summary += `; not scanned: ${scan.unreadable.length} lock-file(s)`;
  return {
    status,
    summary,
    details: {
      reports: scan.reports,
      unreadable: scan.unreadable,
      sourcesDown: down,
      requests: scan.requests,
      ...(scan.osvCache ? { osvCache: scan.osvCache } : {}),
    },
    metrics: { critical: count("critical"), high: count("high"), moderate: count("moderate"), low: count("low") },
  };
}
