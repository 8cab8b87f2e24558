// The vulnerability scan as the check and `ops security audit` run it: which lock-files (a
// given file; else the app's production deployment on Vercel and the stack's own), each
// audited, and the result a person reads.
import { readFile } from "node:fs/promises";
import type { CheckResult, CheckStatus } from "../core/check";
import { worst } from "../core/check";
import type { SecurityInputs } from "../core/inputs";
import { VercelApi } from "../vercel/api";
import type { Severity } from "./advisories";
import { auditLockfile, type AuditReport } from "./audit";
import { DEFAULT_SECURITY_SETTINGS, type Disposition, type SecuritySettings } from "./findings";
import { JsonClient, type HttpOptions } from "./http";
import { LockfileError, parseLockfile, type Lockfile } from "./lockfile";
import { deploymentLockfile, stackLockfile } from "./sources";

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
}

/** The lock-files to audit: the given file only, else the app's (when Vercel is set) and the stack's. */
export async function lockfiles(
  inputs: SecurityInputs | undefined,
  unreadable: string[],
  http: HttpOptions,
): Promise<{ origin: string; lock: Lockfile }[]> {
  if (inputs?.lockfilePath) {
    const path = inputs.lockfilePath;
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new LockfileError(
        path,
        `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    let manifest: Record<string, Record<string, string>> | undefined;
    if (/yarn\.lock$/.test(path))
      manifest = await readFile(path.replace(/yarn\.lock$/, "package.json"), "utf8").then(JSON.parse, () => undefined);
    return [{ origin: "local file", lock: parseLockfile(path, text, manifest) }];
  }
  const out: { origin: string; lock: Lockfile }[] = [];
  if (inputs?.vercel) {
    const v = inputs.vercel;
    try {
      const api = new VercelApi({
        token: await v.token(),
        team: v.team,
        baseUrl: v.apiUrl,
        timeoutMs: http.timeoutMs,
        retryBaseMs: http.retryBaseMs,
      });
      const { deployment, lock } = await deploymentLockfile(api, v.project);
      out.push({ origin: `app: production deployment ${deployment.id} (${deployment.url})`, lock });
    } catch (error) {
      unreadable.push(`app lock-file: ${(error as Error).message}`);
    }
  } else
    unreadable.push(
      "app lock-file: no Vercel token/project configured (security reads the production deployment's lock-file)",
    );
  out.push({ origin: "stack: elegance-ops (embedded at deploy time)", lock: stackLockfile() });
  return out;
}

export async function runScan(
  inputs: SecurityInputs | undefined,
  today: string,
  http: HttpOptions = {},
): Promise<ScanResult> {
  const settings = securitySettings(inputs);
  const client = new JsonClient(http);
  const unreadable: string[] = [];
  const reports: ScanResult["reports"] = [];
  for (const { origin, lock } of await lockfiles(inputs, unreadable, http)) {
    reports.push({
      origin,
      ...(await auditLockfile(lock, {
        registry: inputs?.registryUrl,
        osvUrl: inputs?.osvUrl,
        settings,
        client,
        today,
      })),
    });
  }
  return { reports, unreadable, requests: client.counter.counts };
}

/** fail/warn from the findings' dispositions; a source or lock-file that could not be read is a warn at least. */
export function scanResult(scan: ScanResult): CheckResult {
  const findings = scan.reports.flatMap((r) => r.findings);
  const down = scan.reports.flatMap((r) =>
    Object.entries(r.sources)
      .filter(([, s]) => s !== "ok")
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
    details: { reports: scan.reports, unreadable: scan.unreadable, sourcesDown: down, requests: scan.requests },
    metrics: { critical: count("critical"), high: count("high"), moderate: count("moderate"), low: count("low") },
  };
}
