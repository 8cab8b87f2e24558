// The monthly dependency review: the app's and the stack's direct dependencies against the
// registry, the Node.js the Vercel project builds with and the Lambdas' runtime against Node's
// release schedule. Says what to run; changes nothing.
import type { CheckResult, CheckStatus } from "../core/check";
import { worst } from "../core/check";
import { LAMBDA_RUNTIME } from "../core/contract";
import type { SecurityInputs } from "../core/inputs";
import { defaultRegistry } from "../security/advisories";
import { JsonClient, SourceUnavailableError, type HttpOptions } from "../security/http";
import { lockfiles, vercelApiOf } from "../security/sources";
import {
  NODE_SCHEDULE_AS_OF,
  NODE_SCHEDULE_SOURCE,
  nodeStatus,
  scheduleAgeDays,
  type NodeStatus,
} from "./node-schedule";
import { outdatedDirect, type Outdated } from "./outdated";

export interface DepsReport {
  lockfiles: { origin: string; file: string; dependencies: Outdated[] }[];
  node: (NodeStatus & { where: string; version: string })[];
  schedule: { source: string; asOf: string; ageDays: number };
  unreadable: string[];
  requests: Record<string, number>;
}

const MAX_SCHEDULE_AGE_DAYS = 183;
const WARN_DAYS = 180;

export async function runDeps(
  inputs: SecurityInputs | undefined,
  today: string,
  executionEnv: string | undefined,
  http: HttpOptions = {},
): Promise<DepsReport> {
  const client = new JsonClient(http);
  const unreadable: string[] = [];
  const report: DepsReport = {
    lockfiles: [],
    node: [],
    schedule: { source: NODE_SCHEDULE_SOURCE, asOf: NODE_SCHEDULE_AS_OF, ageDays: scheduleAgeDays(today) },
    unreadable,
    requests: {},
  };
  for (const { origin, lock } of await lockfiles(inputs, unreadable, http)) {
    try {
      report.lockfiles.push({
        origin,
        file: lock.file,
        dependencies: await outdatedDirect(lock, inputs?.registryUrl ?? defaultRegistry(), client),
      });
    } catch (error) {
      // A registry that stays down is said as such (a warn), never read as "all up to date".
      if (!(error instanceof SourceUnavailableError)) throw error;
      unreadable.push(`${lock.file}: source unavailable: ${error.message}`);
    }
  }
  const lambda = executionEnv?.match(/nodejs(\d+)\.x/)?.[1] ?? LAMBDA_RUNTIME.match(/\d+/)![0];
  report.node.push({ where: "Lambda functions", version: `nodejs${lambda}.x`, ...nodeStatus(Number(lambda), today) });
  if (inputs?.vercel && !inputs.lockfilePath) {
    try {
      const api = await vercelApiOf(inputs.vercel, http);
      const project = await api.get<{ name: string; nodeVersion?: string }>(
        `/v9/projects/${encodeURIComponent(inputs.vercel.project)}`,
      );
      const major = Number(project.nodeVersion?.match(/^(\d+)/)?.[1]);
      if (major)
        report.node.push({
          where: `Vercel project ${project.name}`,
          version: project.nodeVersion!,
          ...nodeStatus(major, today),
        });
      else unreadable.push(`Vercel project ${project.name}: no nodeVersion in its settings`);
    } catch (error) {
      unreadable.push(`Vercel project settings: ${(error as Error).message}`);
    }
  }
  report.requests = client.counter.counts;
  return report;
}

export function depsResult(report: DepsReport): CheckResult {
  const statuses: CheckStatus[] = [];
  const notes: string[] = [];
  for (const n of report.node) {
    if (n.phase === "end of life" || n.phase === "unknown") {
      statuses.push("fail");
      notes.push(
        `${n.where} on Node ${n.major}: ${n.phase}${n.end ? ` since ${n.end}` : ""}; move to Node ${n.activeLts ?? "LTS"}`,
      );
    } else if (n.phase === "maintenance" || (n.daysLeft !== undefined && n.daysLeft <= WARN_DAYS)) {
      statuses.push("warn");
      notes.push(`${n.where} on Node ${n.major}: ${n.phase}, end of life ${n.end} (${n.daysLeft} days)`);
    }
  }
  const deps = report.lockfiles.flatMap((l) => l.dependencies);
  const count = (b: string) => deps.filter((d) => d.behind === b).length;
  const deprecated = deps.filter((d) => d.deprecated);
  if (deprecated.length) {
    statuses.push("warn");
    notes.push(`deprecated: ${deprecated.map((d) => `${d.name}@${d.installed}`).join(", ")}`);
  }
  if (count("major")) statuses.push("warn");
  if (report.schedule.ageDays > MAX_SCHEDULE_AGE_DAYS) {
    statuses.push("warn");
    notes.push(
      `the Node.js schedule data (lambdas/deps/node-schedule.ts, ${report.schedule.asOf}) is ${report.schedule.ageDays} days old: update it from ${report.schedule.source}`,
    );
  }
  if (report.unreadable.length) statuses.push("warn");
  const summary = [
    `${count("major")} major, ${count("minor")} minor, ${count("patch")} patch behind among ${deps.length} direct dependencies`,
    ...notes,
    ...report.unreadable.map((u) => `not read: ${u}`),
  ].join("; ");
  return {
    status: worst(...statuses),
    summary,
    details: report,
    metrics: {
      majorBehind: count("major"),
      minorBehind: count("minor"),
      patchBehind: count("patch"),
      deprecated: deprecated.length,
    },
  };
}
