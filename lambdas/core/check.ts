// A check, its result, and the record of one run of a check-list.
import type { S3Client } from "@aws-sdk/client-s3";
import type { Client } from "pg";
import type { Level } from "./contract";
import type { TaskInputs } from "./inputs";
import type { MetricsSink } from "./metrics";

export type CheckStatus = "ok" | "warn" | "fail";

/**
 * A recorded result's status: a check's, or `skipped` when the engine did not run it because
 * what it needs is already reported down (the database): no incident, not counted as a fail.
 */
export type ResultStatus = CheckStatus | "skipped";

/** The incident level a check's warn and fail raise. */
export interface CheckLevels {
  warn: Level;
  fail: Level;
}

const RANK: Record<ResultStatus, number> = { skipped: -1, ok: 0, warn: 1, fail: 2 };

/** The worst of some statuses (`ok` for none; a skip never makes a run worse than ok). */
export const worst = (...statuses: ResultStatus[]): CheckStatus =>
  statuses.reduce<CheckStatus>((a, b) => (b !== "skipped" && RANK[b] > RANK[a] ? b : a), "ok");

export interface CheckResult {
  status: CheckStatus;
  /** One line a person reads first. */
  summary: string;
  /** Each offending object with its numbers; JSON-serializable. */
  details?: unknown;
  /** Numbers worth a graph, e.g. `{ latencyMs: 212 }`. */
  metrics?: Record<string, number>;
}

export interface CheckContext {
  inputs: TaskInputs;
  /** Aborted when the check passes its time limit: stop work and return. */
  signal: AbortSignal;
  now: Date;
  /** For checks that emit metrics of their own (e.g. a dead man's switch for another task). */
  metrics: MetricsSink;
  /** The run's one database session, opened on first use (absent: a check opens its own). */
  database?: CheckDatabase;
}

/** One read-only database session shared by a run's checks (lambdas/checks/db/connect.ts). */
export interface CheckDatabase {
  /** The open session; throws a DatabaseUnreachableError (the same one each time) when it cannot connect. */
  client(): Promise<Client>;
  /** Closes the session (a timed-out check's query dies with it); the next check opens a new one. */
  discard(client: Client): void;
}

export interface Check {
  id: string;
  title: string;
  /** Time limit, 30 s by default; past it the check is a `fail` and the list goes on. */
  timeoutMs?: number;
  run(ctx: CheckContext): Promise<CheckResult>;
}

export interface RecordedResult extends Omit<CheckResult, "status"> {
  status: ResultStatus;
  id: string;
  title: string;
  durationMs: number;
  /** The incident level raised for a warn/fail; absent for ok. */
  level?: Level;
}

export interface RunRecord {
  list: string;
  startedAt: string;
  finishedAt: string;
  /** The worst status of the results. */
  status: CheckStatus;
  results: RecordedResult[];
  /** Where the record was written, when it was. */
  recordKey?: string;
  /** Why the record could not be written (then raised as its own incident), when it could not. */
  recordError?: string;
  /** Incidents that could not be delivered (the Lambda then fails so its Errors alarm pages). */
  incidentErrors: string[];
}

/** What a check's code may be built with: the run's S3 client, created on first use. */
export interface CheckDeps {
  s3: () => S3Client;
}

/** Loads a check's code (a dynamic import, so only the lists that run it load it). */
export type CheckLoader = (deps: CheckDeps) => Promise<Check>;
