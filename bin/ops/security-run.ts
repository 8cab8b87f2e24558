// The work of `ops security audit`, loaded only when it runs.
import type { Finding } from "../../lambdas/security/findings";
import { OSV_CACHE_KEY } from "../../lambdas/security/osv-cache";
import { runScan, scanResult, type ScanResult } from "../../lambdas/security/scan";
import { createS3Client } from "../../lambdas/lib/s3";
import type { SecurityInputs, TaskInputs } from "../../lambdas/core/inputs";
import { inputValue, taskInputs, UsageError } from "./inputs";
import { print } from "./output";

const url = (flag: string, value: unknown): string | undefined => {
  if (typeof value !== "string" || !value) return undefined;
  try {
    const u = new URL(value);
    if (u.protocol === "http:" || u.protocol === "https:") return value;
  } catch {
    // fall through
  }
  throw new UsageError(`${flag} ${JSON.stringify(value)} is not an http(s) URL`);
};

function line(f: Finding): string {
  const origin = f.direct ? "direct" : `via ${f.via.join(", ") || "?"}`;
  const state =
    f.disposition === "ignored"
      ? ` [ignored until ${f.ignore!.expires}: ${f.ignore!.reason}]`
      : f.ignore?.expired
        ? ` [ignore expired ${f.ignore.expires}]`
        : "";
  return [
    `  ${f.severity.toUpperCase().padEnd(8)} ${f.package}@${f.version} (${origin}) ${f.ids[0]}${state}`,
    `           ${f.title}`,
    `           ${f.url}${f.fixedIn ? ` · fixed in ${f.fixedIn}` : " · no fix yet"} · sources ${f.sources.join("+")}`,
    `           fix: ${f.fix}`,
  ].join("\n");
}

/** The security inputs of a command: the stack file's and the environment's, the flags over them. */
export function securityInputs(
  options: Record<string, any>,
  task: string,
): { inputs: TaskInputs; security: SecurityInputs } {
  const inputs = taskInputs([], task, options);
  const token = inputValue("vercelToken", options);
  const project = inputValue("vercelProject", options);
  const security = {
    ...inputs.security!,
    lockfilePath: options.lockfile ?? inputs.security?.lockfilePath,
    registryUrl: url("--registry", options.registry) ?? inputs.security?.registryUrl,
    osvUrl: url("--osv-url", options.osvUrl) ?? inputs.security?.osvUrl,
    vercel:
      token && project
        ? {
            token: async () => token,
            project,
            team: inputValue("vercelTeam", options),
            apiUrl: inputValue("vercelApiUrl", options),
          }
        : undefined,
  };
  return { inputs, security };
}

/** What the run did with OSV's detail cache, said once: reused from the logs bucket, or fetched uncached. */
function cacheLine(scan: ScanResult, bucket: string | undefined): string {
  if (!bucket)
    return "OSV details fetched uncached (no --logs-bucket or LOGS_BUCKET: the weekly function's cache in the logs bucket was not used)";
  const c = scan.osvCache!;
  const problems = c.problems.map((p) => `; warn: ${p}`).join("");
  return `OSV details: ${c.reused} reused from s3://${bucket}/${OSV_CACHE_KEY}, ${c.fetched} fetched${problems}`;
}

export async function securityAuditRun(options: Record<string, any>): Promise<void> {
  const { inputs, security } = securityInputs(options, "security-audit");
  const bucket = inputs.logsBucket;
  const store = bucket ? { s3: () => createS3Client(), bucket } : undefined;
  const scan = await runScan(
    security,
    new Date().toISOString().slice(0, 10),
    { retryBaseMs: options.retryBaseMs },
    store,
  );
  const result = scanResult(scan);
  const osvCache = cacheLine(scan, bucket);
  print(options, { ...result, id: "security-audit", osvCache }, () => {
    const out: string[] = [];
    for (const r of scan.reports) {
      out.push(
        `${r.lockfile.file} — ${r.origin}: ${r.lockfile.packages} packages (${r.lockfile.kind}), ${r.findings.length} advisories`,
      );
      for (const [name, state] of Object.entries(r.sources)) if (state !== "ok") out.push(`  warn: ${name} ${state}`);
      for (const w of r.warnings) out.push(`  warn: ${w}`);
      out.push(...r.findings.map(line));
    }
    for (const u of scan.unreadable) out.push(`warn: ${u}`);
    out.push(osvCache);
    out.push(
      `requests: ${Object.entries(scan.requests)
        .map(([s, n]) => `${s} ${n}`)
        .join(", ")}`,
    );
    out.push(`security audit: ${result.status}: ${result.summary}`);
    return out.join("\n");
  });
  if (result.status === "fail") process.exitCode = 1;
}
