// What a function's checks declare they need (lambdas/core/needs.ts) becomes its environment
// and its IAM statements here, and nowhere else: no per-check case in infra/. Plain functions
// over names and ARNs, so tests read them without a plan.
import { BACKUP_PREFIXES, VERCEL_LOGS_PREFIX } from "../lambdas/core/contract";
import { INPUTS, type InputName, type Needs } from "../lambdas/core/needs";
import type { PolicyStatement } from "./storage/policies";

/** Where each input comes from in a deployment: a value, or a resource's name or ARN. */
export type InputSources<T> = Record<InputName, T | undefined>;

/** The drain's prefixes, read when the stack has a drain and a check reads it. */
const DRAIN_PREFIXES = [VERCEL_LOGS_PREFIX.app, VERCEL_LOGS_PREFIX.access];

/** Needs as they apply to this deployment: a log drain's reads only when there is one. */
export function effectiveNeeds(needs: Needs, hasLogDrain: boolean): Needs {
  if (!needs.readsLogDrain || !hasLogDrain) return { ...needs, readsLogDrain: false };
  return {
    ...needs,
    inputs: [...new Set([...(needs.inputs ?? []), "logsBucket" as const])],
    settings: [...new Set([...(needs.settings ?? []), "logDrain" as const])],
    logs: { ...needs.logs, read: [...new Set([...(needs.logs?.read ?? []), ...DRAIN_PREFIXES])] },
  };
}

/**
 * The Lambda variables of the inputs: a secret as its Secrets Manager ARN (`secretArnEnv`),
 * never its value; an input with no source in this deployment is left out.
 */
export function inputVariables<T>(needs: Needs, sources: InputSources<T>): Record<string, T> {
  const variables: Record<string, T> = {};
  for (const input of needs.inputs ?? []) {
    const value = sources[input];
    if (value === undefined) continue;
    const spec = INPUTS[input];
    variables[spec.secretArnEnv ?? spec.env] = value;
  }
  return variables;
}

/** Least privilege for the needs: exactly the prefixes, buckets and APIs they name. */
export function needsStatements(needs: Needs, arns: { logsBucket: string; backupsBucket: string }): PolicyStatement[] {
  const { logsBucket, backupsBucket } = arns;
  const read = needs.logs?.read ?? [];
  // A prefix inside another listed one adds nothing (reports/checklists/daily/ in reports/checklists/).
  const all = [...new Set([...(needs.logs?.list ?? []), ...read])];
  const listed = all.filter((p) => !all.some((q) => q !== p && p.startsWith(q)));
  const written = needs.logs?.write ?? [];
  const objects = (bucket: string, prefixes: readonly string[]) => prefixes.map((p) => `${bucket}/${p}*`);
  const statements: PolicyStatement[] = [];
  if (written.length)
    statements.push({
      Sid: "WriteLogs",
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: objects(logsBucket, written),
    });
  if (listed.length) {
    const prefixes = listed.map((p) => `${p}*`);
    statements.push({
      Sid: "ListLogs",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: logsBucket,
      Condition: { StringLike: { "s3:prefix": prefixes } },
    });
  }
  if (read.length)
    statements.push({ Sid: "ReadLogs", Effect: "Allow", Action: "s3:GetObject", Resource: objects(logsBucket, read) });
  if (needs.readsBackups) statements.push(...readBackupsStatements(backupsBucket));
  // GetMetricData has no resource-level permissions: "*" is the only resource it accepts.
  if (needs.readsMetrics)
    statements.push({ Sid: "ReadMetrics", Effect: "Allow", Action: "cloudwatch:GetMetricData", Resource: "*" });
  // Only read actions (Get/List/Describe/Generate of a report) are accepted; the account-wide ones
  // (IAM's credential report, ListRoles) have no narrower resource than "*".
  const awsRead = [...new Set(needs.awsRead ?? [])].sort();
  const notRead = awsRead.filter((a) => !/^[a-z0-9-]+:(Get|List|Describe|GenerateCredentialReport)/.test(a));
  if (notRead.length)
    throw new Error(
      `needs.awsRead: ${notRead.join(", ")} are not read-only actions (Get*, List*, Describe*, iam:GenerateCredentialReport)`,
    );
  if (awsRead.length) statements.push({ Sid: "ReadAws", Effect: "Allow", Action: awsRead, Resource: "*" });
  return statements;
}

/** Listing and reading backups: the drill, and the daily backup check. */
export function readBackupsStatements(backupsArn: string): PolicyStatement[] {
  return [
    {
      Sid: "ListBackups",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: backupsArn,
      Condition: { StringLike: { "s3:prefix": BACKUP_PREFIXES.map((p) => `${p}*`) } },
    },
    {
      Sid: "ReadBackups",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: BACKUP_PREFIXES.map((p) => `${backupsArn}/${p}*`),
    },
  ];
}
