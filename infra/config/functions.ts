// Per-function settings of the stack file (`elegance-ops:functions`): how long each scheduled
// function may run, how often Lambda retries a failed run, and an opt-in concurrency
// reservation (a new account has too little concurrency to reserve any: README, "What your AWS
// account needs"). A check-list's timeout must leave room for each of its checks' limits.
import { z } from "zod";
import { CHECKLISTS, type ChecklistName } from "../../lambdas/checklist/catalog";
import { DEFAULT_CHECK_TIMEOUT_MS, FINISH_MARGIN_MS } from "../../lambdas/core/contract";

type Doc = <T extends z.ZodType>(schema: T, expected: string) => T;

/** The settings of a function: its timeout, Lambda's retries of a failed run, an opt-in reservation. */
function functionSettings(doc: Doc) {
  const reservedConcurrency = doc(
    z.number().int().min(1).max(1000),
    "an integer between 1 and 1000; reserves that much of the account's Lambda concurrency, which must keep 10 unreserved (a new account has 10 in all: leave it out there)",
  ).optional();
  const retries = (fallback: 0 | 1) =>
    doc(
      z.literal([0, 1, 2]),
      "0, 1 or 2: how often Lambda retries a failed run (0 for tasks that change data or run long)",
    ).default(fallback);
  const timeoutSeconds = (fallback: number) =>
    doc(z.number().int().min(10).max(900), "an integer number of seconds between 10 and 900 (Lambda's limit)").default(
      fallback,
    );
  return {
    scheduled: (timeout: number, fallback: 0 | 1) => ({
      timeoutSeconds: timeoutSeconds(timeout),
      retries: retries(fallback),
      reservedConcurrency,
    }),
    // The probe's timeout follows thresholds.health.timeoutMs.
    derivedTimeout: (fallback: 0 | 1) => ({ retries: retries(fallback), reservedConcurrency }),
    // Not scheduled (called by Vercel): only its concurrency cap.
    capOnly: () => ({ reservedConcurrency }),
  };
}

/** Defaults: the long or data-changing tasks run once (0 retries), the lists and the probe get one retry. */
export function functionsShape(doc: Doc) {
  const { scheduled, derivedTimeout, capOnly } = functionSettings(doc);
  return {
    "daily-checklist": scheduled(300, 1),
    "weekly-checklist": scheduled(300, 1),
    "monthly-checklist": scheduled(900, 0),
    "health-probe": derivedTimeout(1),
    backup: scheduled(900, 0),
    "backup-drill": scheduled(900, 0),
    "log-ingest": capOnly(),
  };
}

/**
 * The checks of a list whose own time limit cannot fit in the function's timeout minus the
 * run's finishing margin. The sum may exceed it: the run budgets it, and checks it could not
 * start are reported as not run.
 */
export function checksOverTimeout(
  list: ChecklistName,
  timeoutSeconds: number,
): { id: string; limitSeconds: number; roomSeconds: number }[] {
  const room = timeoutSeconds * 1000 - FINISH_MARGIN_MS;
  return CHECKLISTS[list]
    .map((entry) => ({ id: entry.id, limit: entry.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS }))
    .filter((c) => c.limit > room)
    .map((c) => ({ id: c.id, limitSeconds: c.limit / 1000, roomSeconds: room / 1000 }));
}
