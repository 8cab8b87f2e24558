// The Lambda side of a check-list: inputs from the environment, incidents to SNS, the record
// to the logs bucket, metrics in EMF. Fails the invocation when an incident could not be
// delivered, so the function's Errors alarm pages instead. The run is budgeted from the
// invocation's remaining time, so a slow list still writes its record before Lambda stops it.
import { ENV } from "../core/contract";
import { inputsFromEnv } from "../core/inputs";
import { emfMetrics } from "../core/emf";
import { secretValue } from "../lib/secrets";
import { createS3Client } from "../lib/s3";
import type { ChecklistName } from "./catalog";
import { runChecklist } from "./engine";
import { SnsIncidentSink } from "./incidents";
import type { RunRecord } from "../core/check";

/** The part of Lambda's context the run reads. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

export function checklistHandler(list: ChecklistName) {
  return async (
    _event?: unknown,
    context?: InvocationContext,
  ): Promise<Pick<RunRecord, "list" | "status" | "recordKey"> & { counts: Record<string, number> }> => {
    const topics = JSON.parse(process.env[ENV.incidentTopics] ?? "{}") as Record<string, string>;
    const record = await runChecklist(list, {
      inputs: inputsFromEnv(process.env, secretValue),
      incidents: new SnsIncidentSink(topics, undefined, process.env[ENV.runbookBaseUrl] || undefined),
      metrics: emfMetrics(),
      s3: createS3Client(),
      remainingMs: context ? () => context.getRemainingTimeInMillis() : undefined,
    });
    if (record.incidentErrors.length) throw new Error(`incidents not delivered: ${record.incidentErrors.join("; ")}`);
    const counts = { ok: 0, warn: 0, fail: 0, skipped: 0 };
    for (const r of record.results) counts[r.status] += 1;
    return { list, status: record.status, recordKey: record.recordKey, counts };
  };
}
