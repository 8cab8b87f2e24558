// Run records: `reports/checklists/<list>/<YYYY-MM-DD>.json` in the logs bucket, dated in Paris
// time (the schedules' zone). A second run the same day (a re-run by hand) gets its own key
// with the time, so no record is ever overwritten.
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { RECORDS_PREFIX } from "../core/contract";
import type { RunRecord } from "../core/check";

export { RECORDS_PREFIX };

/** `2026-11-24` and `07-00-03` for an instant, in Europe/Paris. */
export function parisDateTime(at: Date): { date: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: "Europe/Paris",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}-${parts.minute}-${parts.second}` };
}

export async function writeRunRecord(s3: S3Client, bucket: string, record: RunRecord): Promise<string> {
  const { date, time } = parisDateTime(new Date(record.startedAt));
  const prefix = `${RECORDS_PREFIX}${record.list}/${date}`;
  const existing = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
  const key = existing.KeyCount ? `${prefix}T${time}.json` : `${prefix}.json`;
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify({ ...record, recordKey: key }, null, 2),
      ContentType: "application/json",
    }),
  );
  return key;
}
