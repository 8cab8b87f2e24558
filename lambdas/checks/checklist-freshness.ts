// No task may be skipped silently. Tasks run daily or more often have heartbeat alarms; a week
// or a month is longer than a CloudWatch alarm can look back (7 days), so the daily list measures
// how old the last weekly and monthly records are and fails (pages) when one is overdue: their
// dead man's switch is this check, and the daily list's own heartbeat alarm watches the daily list.
import type { S3Client, _Object } from "@aws-sdk/client-s3";
import type { Check, CheckResult } from "../core/check";
import { DRILL_RECORDS_PREFIX, RECORDS_PREFIX, WEEKLY_REPORTS_PREFIX } from "../core/contract";
import { listObjects } from "../lib/s3";

const HOUR_MS = 3_600_000;
/** Period of each watched list plus a day of grace, in hours. */
export const OVERDUE_HOURS = {
  weekly: (7 + 1) * 24,
  monthly: (31 + 1) * 24,
  "backup-drill": (7 + 1) * 24,
  "weekly-report": (7 + 1) * 24,
} as const;

/** Where each watched task's records are, and its `Task` dimension. */
const WATCHED: Record<keyof typeof OVERDUE_HOURS, { prefix: string; task: string }> = {
  weekly: { prefix: `${RECORDS_PREFIX}weekly/`, task: "weekly-checklist" },
  monthly: { prefix: `${RECORDS_PREFIX}monthly/`, task: "monthly-checklist" },
  // The weekly restore drill runs in the backup image and writes its own records.
  "backup-drill": { prefix: DRILL_RECORDS_PREFIX, task: "backup-drill" },
  "weekly-report": { prefix: WEEKLY_REPORTS_PREFIX, task: "weekly-report" },
};

export function checklistFreshness(s3: () => S3Client): Check {
  return {
    id: "checklist-freshness",
    title: "Les check-lists hebdomadaire et mensuelle ont tourné à temps",
    async run({ inputs, now, signal }): Promise<CheckResult> {
      if (!inputs.logsBucket) throw new Error("no logs bucket (--logs-bucket / LOGS_BUCKET)");
      const client = s3();
      const [firstDaily] = await listObjects(client, inputs.logsBucket, `${RECORDS_PREFIX}daily/`, {
        signal,
        limit: 1,
      });
      const runningHours = firstDaily?.LastModified ? (now.getTime() - firstDaily.LastModified.getTime()) / HOUR_MS : 0;
      const lists = Object.keys(OVERDUE_HOURS) as (keyof typeof OVERDUE_HOURS)[];
      const findings = [];
      for (const list of lists) {
        const records = await listObjects(client, inputs.logsBucket, WATCHED[list].prefix, { signal });
        const latest = records.reduce<_Object | undefined>(
          (a, b) => (!a || (b.LastModified ?? 0) > (a.LastModified ?? 0) ? b : a),
          undefined,
        );
        const ageHours = latest?.LastModified ? (now.getTime() - latest.LastModified.getTime()) / HOUR_MS : undefined;
        // Without any record yet, the stack's own age (its first daily record) is what a run was due against.
        const hours = ageHours ?? runningHours;
        findings.push({
          list,
          latestKey: latest?.Key,
          ageHours: ageHours === undefined ? undefined : Math.round(ageHours),
          overdueAfterHours: OVERDUE_HOURS[list],
          overdue: hours > OVERDUE_HOURS[list],
        });
      }
      const overdue = findings.filter((f) => f.overdue);
      if (overdue.length) {
        const words = overdue.map((f) =>
          f.latestKey
            ? `${f.list} last ran ${f.ageHours} h ago (${f.latestKey})`
            : `${f.list} never ran, and the daily list has run for ${Math.round(runningHours)} h: a ${f.list} run was due`,
        );
        return { status: "fail", summary: words.join("; "), details: findings };
      }
      const words = findings.map((f) =>
        f.latestKey ? `${f.list} ran ${f.ageHours} h ago` : `${f.list} has no run recorded yet (not due)`,
      );
      return { status: "ok", summary: words.join("; "), details: findings };
    },
  };
}
