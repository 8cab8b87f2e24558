// The guide's "Logs à conserver" table and the backups' grandfather-father-son rotation,
// as S3 lifecycle rules. Pure functions: the numbers are tested without any Pulumi engine.
import type * as aws from "@pulumi/aws";
import { LOG_PREFIXES } from "../../lambdas/core/contract";

export { LOG_PREFIXES };

type Rule = aws.types.input.s3.BucketLifecycleConfigurationRule;

export interface Transition {
  days: number;
  storageClass: "STANDARD_IA" | "GLACIER_IR";
}

/**
 * Cheaper storage classes for objects kept `keepDays` days. A class is used only when the
 * object stays in it at least that class's minimum billed duration (Standard-IA 30 days,
 * Glacier Instant Retrieval 90 days); otherwise the move costs more than it saves.
 * Lifecycle cannot move objects to Standard-IA before they are 30 days old.
 */
export function transitionsFor(keepDays: number): Transition[] {
  const transitions: Transition[] = [];
  if (keepDays >= 30 + 30) transitions.push({ days: 30, storageClass: "STANDARD_IA" });
  if (keepDays >= 90 + 90) transitions.push({ days: 90, storageClass: "GLACIER_IR" });
  return transitions;
}

export type LogPrefix = keyof typeof LOG_PREFIXES;

export interface LogRetention {
  appDays: number;
  accessDays: number;
  securityDays: number;
  metricsDays: number;
  reportsDays: number;
}

export function logRetentionDays(retention: LogRetention): Record<LogPrefix, number> {
  return {
    app: retention.appDays,
    access: retention.accessDays,
    security: retention.securityDays,
    metrics: retention.metricsDays,
    reports: retention.reportsDays,
  };
}

const abortIncompleteUploads: Rule = {
  id: "abort-incomplete-multipart-uploads",
  status: "Enabled",
  filter: {},
  abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
};

export function logsLifecycleRules(retention: LogRetention): Rule[] {
  const days = logRetentionDays(retention);
  const perPrefix = (Object.keys(LOG_PREFIXES) as LogPrefix[]).map((key): Rule => ({
    id: `expire-${key}-after-${days[key]}-days`,
    status: "Enabled",
    filter: { prefix: LOG_PREFIXES[key] },
    transitions: transitionsFor(days[key]),
    expiration: { days: days[key] },
  }));
  return [...perPrefix, abortIncompleteUploads];
}

/** Tag that the backup task puts on every object it writes; lifecycle rules select on it. */
export const RETENTION_TAG = "retention";

export interface BackupRetention {
  dailyDays: number;
  monthlyDays: number;
  yearlyDays?: number;
}

/**
 * Grandfather-father-son: objects tagged `retention=daily|monthly|yearly` expire after the
 * configured days. The bucket is versioned (Object Lock needs it), so expiry first adds a
 * delete marker; the noncurrent version is removed `noncurrentDays` later, once its lock
 * has run out, and the orphan delete marker after that.
 */
export function backupLifecycleRules(retention: BackupRetention, noncurrentDays: number): Rule[] {
  const tiers: Array<[string, number | undefined]> = [
    ["daily", retention.dailyDays],
    ["monthly", retention.monthlyDays],
    ["yearly", retention.yearlyDays],
  ];
  const byTag = tiers
    .filter((tier): tier is [string, number] => tier[1] !== undefined)
    .map(([tier, keepDays]): Rule => ({
      id: `keep-${tier}-backups-${keepDays}-days`,
      status: "Enabled",
      filter: { tag: { key: RETENTION_TAG, value: tier } },
      transitions: transitionsFor(keepDays),
      expiration: { days: keepDays },
    }));
  const cleanup: Rule = {
    id: `remove-noncurrent-versions-after-${noncurrentDays}-days`,
    status: "Enabled",
    filter: {},
    noncurrentVersionExpiration: { noncurrentDays },
    expiration: { expiredObjectDeleteMarker: true },
    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
  };
  return [...byTag, cleanup];
}
