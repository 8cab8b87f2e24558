// `npm run bench -- audit`: the weekly vulnerability scan of a real-size lock-file (the stack's
// own) against loopback fakes of the npm registry and OSV: wall time and HTTP requests per source,
// batched (one bulk POST, one querybatch per 1,000 queries, details only for ids npm did not
// describe and not in the detail cache a weekly run keeps) vs one request per package to each
// source. Target: ≤ 3 requests to each source for the whole lock-file.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { OsvDetailCache } from "../lambdas/security/advisories";
import { DEFAULT_SECURITY_SETTINGS } from "../lambdas/security/findings";
import { auditLockfile } from "../lambdas/security/audit";
import { JsonClient } from "../lambdas/security/http";
import { parseLockfile, versionsByName } from "../lambdas/security/lockfile";
import { startNpmRegistry } from "../test/support/npm-registry";
import { startOsv } from "../test/support/osv-api";
import { alternate, benchRounds, describeMachine, describeSamples, samples } from "./measure";

async function main(): Promise<void> {
  const lock = parseLockfile(
    "package-lock.json",
    readFileSync(path.join(__dirname, "..", "package-lock.json"), "utf8"),
  );
  const versions = versionsByName(lock);
  const names = Object.keys(versions);
  const queries = Object.values(versions).reduce((n, v) => n + v.length, 0);
  console.log(
    `lock-file: ${lock.packages.length} installed packages, ${names.length} names, ${queries} name@version pairs`,
  );
  console.log(describeMachine("before"));
  const registry = await startNpmRegistry();
  const osv = await startOsv();
  // Every 25th package has an advisory on its installed version, which OSV has too under the same
  // GHSA id (as for real: OSV's npm records are GitHub's); every 100th also one only OSV knows.
  const ghsa = (n: number, tail: string) =>
    `GHSA-${String(n)
      .padStart(4, "0")
      .split("")
      .map((d) => "23456789cf"[Number(d)])
      .join("")}-${tail}`;
  names.forEach((name, i) => {
    const version = versions[name][0];
    if (i % 25 === 0)
      registry.advisories[name] = [
        {
          id: 1_000_000 + i,
          ghsa: ghsa(i, "wwww-xxxx"),
          title: `advisory ${i}`,
          severity: "high",
          vulnerable_versions: `<=${version}`,
        },
      ];
    if (i % 25 === 0)
      osv.vulns.push({
        id: ghsa(i, "wwww-xxxx"),
        summary: `advisory ${i}`,
        severity: "HIGH",
        package: name,
        introduced: "0",
      });
    if (i % 100 === 0)
      osv.vulns.push({
        id: ghsa(i, "qqqq-rrrr"),
        summary: `osv ${i}`,
        severity: "MODERATE",
        package: name,
        introduced: "0",
      });
  });
  const count = () => ({ npm: registry.requests.length, osv: osv.requests.length });
  const reset = async () => {
    registry.requests.length = 0;
    osv.requests.length = 0;
  };
  const osvOnly = osv.vulns.filter((v) => v.id.endsWith("qqqq-rrrr")).length;
  // A weekly run after the first: the details OSV alone gave are in the cache the last run left.
  const scan = async (cache: OsvDetailCache) => {
    const started = performance.now();
    const report = await auditLockfile(lock, {
      registry: registry.url,
      osvUrl: osv.url,
      settings: DEFAULT_SECURITY_SETTINGS,
      client: new JsonClient(),
      today: "2026-12-01",
      osvCache: cache,
    });
    return { ms: performance.now() - started, requests: count(), findings: report.findings.length };
  };
  const cold = await scan(new Map());
  await reset();
  const warmCache: OsvDetailCache = new Map();
  await scan(warmCache);
  await reset();
  const ours = { name: "batched scan", run: () => scan(warmCache) };
  const baseline = {
    name: "one request per package",
    async run() {
      const started = performance.now();
      const client = new JsonClient();
      let findings = 0;
      for (const [name, list] of Object.entries(versions)) {
        const a = await client.request<Record<string, unknown[]>>({
          source: "npm",
          url: `${registry.url}/-/npm/v1/security/advisories/bulk`,
          method: "POST",
          body: { [name]: list },
        });
        findings += a?.[name]?.length ?? 0;
        for (const version of list) {
          const o = await client.request<{ results: { vulns?: unknown[] }[] }>({
            source: "osv",
            url: `${osv.url}/v1/querybatch`,
            method: "POST",
            body: { queries: [{ package: { name, ecosystem: "npm" }, version }] },
          });
          findings += o?.results[0].vulns?.length ?? 0;
        }
      }
      return { ms: performance.now() - started, requests: count(), findings };
    },
  };
  try {
    const runs = await alternate(benchRounds(), ours, baseline, reset);
    const o = samples(runs.ours.map((r) => r.ms));
    const b = samples(runs.baseline.map((r) => r.ms));
    const last = runs.ours.at(-1)!;
    const base = runs.baseline.at(-1)!;
    console.log(
      `first scan (no cache):   ${cold.ms.toFixed(0)} ms; requests npm ${cold.requests.npm}, OSV ${cold.requests.osv} (1 querybatch + ${osvOnly} details only OSV has); ${cold.findings} findings`,
    );
    console.log(
      `weekly scan (cached):    ${describeSamples(o, "ms", 0)}; requests npm ${last.requests.npm}, OSV ${last.requests.osv}; ${last.findings} findings`,
    );
    console.log(
      `one request per package: ${describeSamples(b, "ms", 0)}; requests npm ${base.requests.npm}, OSV ${base.requests.osv}`,
    );
    console.log(
      `ratio: ${(b.median / o.median).toFixed(1)}x faster, ${((base.requests.npm + base.requests.osv) / (last.requests.npm + last.requests.osv)).toFixed(0)}x fewer requests`,
    );
    const ok = last.requests.npm <= 3 && last.requests.osv <= 3;
    console.log(
      `target ≤ 3 requests to each source: npm ${last.requests.npm}, OSV ${last.requests.osv} per weekly scan: ${ok ? "met" : "MISSED"} (first scan ever: OSV ${cold.requests.osv})`,
    );
    console.log(describeMachine("after"));
  } finally {
    await registry.close();
    await osv.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
