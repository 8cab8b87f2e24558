// The restore drill runs in the backup container (it needs pg_restore and a PostgreSQL server)
// before the weekly list; this check reads its latest record, so the drill's verdict pages
// like any other check, and a drill that stopped running is noticed too.
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Check, CheckResult } from "../core/check";
import { DRILL_RECORDS_PREFIX } from "../core/contract";
import { listObjects } from "../lib/s3";

export interface DrillRecord extends CheckResult {
  startedAt: string;
  finishedAt: string;
}

/** `reports/backups/drills/2026-11-23.json`, one per day (a re-run the same day replaces it). */
export const drillRecordKey = (at: Date, timezone = "Europe/Paris") =>
  `${DRILL_RECORDS_PREFIX}${new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at)}.json`;

export function backupDrillCheck(s3: () => S3Client): Check {
  return {
    id: "backup-drill",
    title: "Test de restauration : le dernier backup se restaure et correspond à son manifeste",
    async run({ inputs, now, signal }): Promise<CheckResult> {
      if (!inputs.logsBucket) throw new Error("no logs bucket (--logs-bucket / LOGS_BUCKET)");
      const latest = await latestDrillRecord(s3(), inputs.logsBucket, signal);
      const maxDays = inputs.backups.drillMaxAgeDays;
      if (!latest)
        return {
          status: "fail",
          summary: `no restore drill recorded under ${DRILL_RECORDS_PREFIX}: run \`npm run ops -- backup drill\``,
        };
      const { key: latestKey, record } = latest;
      const ageDays = (now.getTime() - Date.parse(record.finishedAt)) / 86_400_000;
      const details = { record: latestKey, ageDays: Math.round(ageDays * 10) / 10, drill: record.details };
      if (ageDays > maxDays) {
        return {
          status: "fail",
          summary: `the last restore drill is ${Math.round(ageDays)} days old (limit ${maxDays}): the drill no longer runs`,
          details,
        };
      }
      return { status: record.status, summary: record.summary, details, metrics: record.metrics };
    },
  };
}

/** The newest drill record (keys are dates, so the last in key order), or undefined when none. */
export async function latestDrillRecord(
  s3: S3Client,
  bucket: string,
  signal?: AbortSignal,
): Promise<{ key: string; record: DrillRecord } | undefined> {
  const keys = (await listObjects(s3, bucket, DRILL_RECORDS_PREFIX, { signal })).map((o) => o.Key!);
  const key = keys.sort().pop();
  if (!key) return undefined;
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  return { key, record: JSON.parse(await object.Body!.transformToString("utf8")) as DrillRecord };
}

/** Writes a drill's result where the weekly check reads it. */
export async function writeDrillRecord(
  s3: S3Client,
  bucket: string,
  result: CheckResult,
  startedAt: Date,
  options: { finishedAt?: Date; timezone?: string } = {},
): Promise<string> {
  const record: DrillRecord = {
    ...result,
    startedAt: startedAt.toISOString(),
    finishedAt: (options.finishedAt ?? new Date()).toISOString(),
  };
  const key = drillRecordKey(startedAt, options.timezone);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(record, null, 2),
      ContentType: "application/json",
    }),
  );
  return key;
}
