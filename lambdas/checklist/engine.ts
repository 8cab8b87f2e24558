// Runs a check-list: every check under its time limit (a throw or a timeout is a `fail`, the
// others still run), one incident per warn/fail at the list's level for that check, the run
// record to S3, metrics in EMF, and the heartbeat that says the list ran. In a Lambda the run
// is budgeted from the invocation's remaining time: a check gets at most what is left minus
// FINISH_MARGIN_MS, and checks that could not start are failed as not run, so the record,
// metrics and incidents are always written before Lambda stops the run.
import type { S3Client } from "@aws-sdk/client-s3";
import { DEFAULT_CHECK_TIMEOUT_MS, FINISH_MARGIN_MS, Level, RECORDS_PREFIX } from "../core/contract";

export { DEFAULT_CHECK_TIMEOUT_MS, FINISH_MARGIN_MS };
import type { TaskInputs } from "../core/inputs";
import { heartbeat, type MetricsSink } from "../core/metrics";
import { CatalogEntry, CHECKLIST_NAMES, CHECKLISTS, ChecklistName } from "./catalog";
import type { IncidentSink } from "./incidents";
import { buildIncident } from "./incidents";
import { writeRunRecord } from "./record";
import { createS3Client } from "../lib/s3";
import { SharedDatabase } from "../checks/db/connect";
import {
  worst,
  type Check,
  type CheckContext,
  type CheckResult,
  type RecordedResult,
  type RunRecord,
} from "../core/check";

/** Below this a check is not started: it could not do anything useful. */
const MIN_CHECK_MS = 1_000;
export const NOT_RUN_SUMMARY = "not run, out of time";

export interface RunDeps {
  inputs: TaskInputs;
  incidents: IncidentSink;
  metrics: MetricsSink;
  /** With `inputs.logsBucket`, where the run record is written. */
  s3?: S3Client;
  now?: () => Date;
  /** The checks to run; the catalogue's for the list by default (tests pass their own). */
  checks?: Check[];
  /** Milliseconds the invocation has left (Lambda's `context.getRemainingTimeInMillis`); no deadline without it (CLI). */
  remainingMs?: () => number;
}

/** The code of a list's checks, each loaded by its catalogue entry, in the list's order. */
export async function loadChecks(entries: readonly CatalogEntry[], s3?: S3Client): Promise<Check[]> {
  let client = s3;
  const deps = { s3: () => (client ??= createS3Client()) };
  return Promise.all(
    entries.map(async (entry) => {
      const check = await entry.check(deps);
      if (check.id !== entry.id) throw new Error(`catalogue entry ${entry.id} loads check ${check.id}`);
      return check;
    }),
  );
}

/** A check's own time limit: its code's, else its catalogue entry's, else 30 s. */
export function checkLimitMs(check: Check, entry?: Pick<CatalogEntry, "timeoutMs">): number {
  return check.timeoutMs ?? entry?.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
}

/** One check under its time limit (`limitMs`, or its own); never throws. */
export async function runCheck(
  check: Check,
  ctx: Omit<CheckContext, "signal">,
  limitMs?: number,
): Promise<CheckResult> {
  const limit = limitMs ?? checkLimitMs(check);
  const why = limit < checkLimitMs(check) ? " (the run's remaining time)" : "";
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${limit} ms${why}`));
      resolve({ status: "fail", summary: `timed out after ${limit} ms${why}` });
    }, limit);
  });
  try {
    return await Promise.race([
      check.run({ ...ctx, signal: controller.signal }).catch((error: unknown): CheckResult => ({
        status: "fail",
        summary: `threw: ${error instanceof Error ? error.message : String(error)}`,
      })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The level of a check's warn/fail: the catalogue's, overridden by the stack config. */
export function levelOf(
  list: string,
  entry: CatalogEntry,
  status: "warn" | "fail",
  overrides: TaskInputs["checkLevels"],
): Level {
  return overrides[`${list}.${entry.id}`]?.[status] ?? entry.levels[status];
}

/**
 * Runs one of the guide's lists, or (with `deps.checks`) any set of catalogued checks under
 * another name, e.g. `db` for the CLI's `ops db check`.
 */
export async function runChecklist(list: ChecklistName | string, deps: RunDeps): Promise<RunRecord> {
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  const checks = deps.checks ?? (await loadChecks(CHECKLISTS[list as ChecklistName], deps.s3));
  // Check ids are unique across lists: a check keeps its runbook and levels wherever it runs.
  const catalog = new Map(CHECKLIST_NAMES.flatMap((l) => CHECKLISTS[l]).map((entry) => [entry.id, entry]));
  const results: RecordedResult[] = [];
  const incidentErrors: string[] = [];

  // The checks share one database session. When it cannot be opened, the first check that needs
  // the database fails with the reason and the others are skipped: one cause, one page.
  const database = deps.inputs.databaseUrl ? new SharedDatabase(deps.inputs.databaseUrl) : undefined;
  let unreachableReported = false;

  // One at a time: checks share the database and the app, and a list is minutes at most.
  for (const check of checks) {
    const began = Date.now();
    const entry = catalog.get(check.id) ?? fallbackEntry(check);
    const own = checkLimitMs(check, entry);
    const budget = deps.remainingMs ? deps.remainingMs() - FINISH_MARGIN_MS : Infinity;
    // Issue 19: an unreachable database is reported once (the first database check), the others skip.
    const unreachable =
      budget >= MIN_CHECK_MS && database && entry.needs.inputs?.includes("databaseUrl")
        ? await database.problem()
        : undefined;
    const result: CheckResult | { status: "skipped"; summary: string } =
      budget < MIN_CHECK_MS
        ? {
            status: "fail",
            summary: NOT_RUN_SUMMARY,
            details: { remainingMs: deps.remainingMs?.(), marginMs: FINISH_MARGIN_MS },
          }
        : !unreachable
          ? await runCheck(
              check,
              { inputs: deps.inputs, now: startedAt, metrics: deps.metrics, database },
              Math.min(own, budget),
            )
          : unreachableReported
            ? { status: "skipped", summary: "skipped: database unreachable" }
            : { status: "fail", summary: unreachable.message, details: { reason: unreachable.reason } };
    if (unreachable) unreachableReported = true;
    const recorded: RecordedResult = { id: check.id, title: check.title, ...result, durationMs: Date.now() - began };
    if (result.status === "warn" || result.status === "fail") {
      recorded.level = levelOf(list, entry, result.status, deps.inputs.checkLevels);
      const incident = buildIncident({
        appName: deps.inputs.appName,
        list,
        check: entry,
        result: recorded,
        level: recorded.level,
        at: startedAt,
      });
      await deps.incidents.raise(incident).catch((error: unknown) => {
        incidentErrors.push(`${incident.dedupKey}: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
    results.push(recorded);
  }
  await database?.close();

  const record: RunRecord = {
    list,
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    status: worst(...results.map((r) => r.status)),
    results,
    incidentErrors,
  };
  if (deps.inputs.logsBucket && deps.s3) await recordRun(list, record, deps, startedAt);

  // No per-status counts as metrics ($0.30 a series): each warn/fail pages itself, the record keeps the counts.
  // The heartbeat says "the list ran", whatever its checks found: failures page on their own.
  heartbeat(deps.metrics, deps.inputs.taskName);
  return record;
}

/** A record that cannot be written loses no result: it is its own error, and its own incident. */
async function recordRun(list: string, record: RunRecord, deps: RunDeps, at: Date): Promise<void> {
  const bucket = deps.inputs.logsBucket!;
  try {
    record.recordKey = await writeRunRecord(deps.s3!, bucket, record);
  } catch (error) {
    record.recordError = `run record not written to s3://${bucket}/${RECORDS_PREFIX}${list}/: ${error instanceof Error ? error.message : String(error)}`;
    const result: RecordedResult = {
      id: RECORD_ENTRY.id,
      title: RECORD_ENTRY.title,
      status: "fail",
      summary: record.recordError,
      durationMs: 0,
      level: RECORD_ENTRY.levels.fail,
    };
    const incident = buildIncident({
      appName: deps.inputs.appName,
      list,
      check: RECORD_ENTRY,
      result,
      level: result.level!,
      at,
    });
    await deps.incidents
      .raise(incident)
      .catch((e: unknown) =>
        record.incidentErrors.push(`${incident.dedupKey}: ${e instanceof Error ? e.message : String(e)}`),
      );
  }
}

const RECORD_ENTRY: CatalogEntry = {
  id: "run-record",
  title: "Rapport de la check-list enregistré dans le bucket de logs",
  guide: "-",
  domain: "platform",
  levels: { warn: 1, fail: 1 },
  runbook: [
    "Les résultats des vérifications sont dans cet incident et dans les logs de la fonction : rien n'est perdu",
    "Vérifier que le bucket de logs existe et que le rôle de la fonction peut y écrire (s3:PutObject sous reports/checklists/)",
    "Relancer la check-list à la main : `npm run ops -- checklist run <liste>`",
  ],
  needs: {},
  check: async () => {
    throw new Error("run-record is the engine's own entry, not a check");
  },
};

/** A check outside the catalogue (tests): paged at level 1/2 with no runbook of its own. */
function fallbackEntry(check: Check): CatalogEntry {
  return {
    id: check.id,
    title: check.title,
    guide: "-",
    domain: "platform",
    levels: { warn: 1, fail: 2 },
    runbook: ["Lire le détail du résultat dans le rapport de la check-list"],
    needs: {},
    check: async () => check,
  };
}
