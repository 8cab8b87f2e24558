// "Vérification des backups" (daily): the latest complete backup exists, is recent, its object
// is exactly what its manifest says (size and sha-256, read end to end), and its size is in
// line with the previous ones: a dump suddenly much smaller lost data somewhere.
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { listBackups, type Manifest } from "../backup/manifest";
import type { Check, CheckResult } from "../core/check";
import { LAMBDA_MAX_SECONDS } from "../core/contract";
import type { BackupThresholds, RunnerLimit } from "../core/inputs";
import { latestDrillRecord } from "./backup-drill";

const HOUR_MS = 3_600_000;

/** Past this share of its runner's limit, a run is one bad night from failing: the check says to switch. */
export const RUNNER_WARN_FRACTION = 0.6;

/** 580 → "9 min 40 s", 9000 → "2 h 30 min". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)} h${s % 3600 >= 60 ? ` ${Math.floor((s % 3600) / 60)} min` : ""}`;
  if (s >= 60) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  return `${s} s`;
}

/** What to say when a run took more than 60 % of what its runner allows. */
export function runnerWarning(
  task: "backup" | "drill",
  seconds: number,
  thresholds: BackupThresholds,
): string | undefined {
  const limit: RunnerLimit = thresholds.runners?.[task] ?? { runner: "lambda", limitSeconds: LAMBDA_MAX_SECONDS };
  if (seconds <= RUNNER_WARN_FRACTION * limit.limitSeconds) return undefined;
  const what = task === "backup" ? "the backup" : "the restore drill";
  const took = `${what} took ${formatDuration(seconds)}`;
  return limit.runner === "lambda"
    ? `${took} of Lambda's ${limit.limitSeconds / 60}: set backups.runner.${task}: fargate`
    : `${took} of the ${formatDuration(limit.limitSeconds)} its Fargate task may run: raise backups.fargate.maxRunMinutes or its cpu`;
}

const secondsBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** sha-256 and size of an object, streamed (never held in memory). */
export async function hashObject(
  s3: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<{ sha256: string; bytes: number }> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of object.Body as Readable) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

export function backupsCheck(s3: () => S3Client): Check {
  return {
    id: "backups",
    title: "Vérification des backups : dernier dump complet, récent, intègre et de taille normale",
    async run({ inputs, now, signal }): Promise<CheckResult> {
      if (!inputs.backupsBucket) throw new Error("no backups bucket (--backups-bucket / BACKUPS_BUCKET)");
      const limits = inputs.backups;
      const client = s3();
      const [latest, ...previous] = await listBackups(client, inputs.backupsBucket, 8);
      if (!latest)
        return { status: "fail", summary: `no complete backup (dump with its manifest) in ${inputs.backupsBucket}` };
      const ageHours = (now.getTime() - Date.parse(latest.finishedAt)) / HOUR_MS;
      const found = await verifyObject(client, inputs.backupsBucket, latest, signal);
      const usual = previous.length ? median(previous.slice(0, 7).map((m) => m.sizeBytes)) : undefined;
      const ratio = usual ? latest.sizeBytes / usual : undefined;
      const details = {
        key: latest.key,
        finishedAt: latest.finishedAt,
        ageHours: Math.round(ageHours * 10) / 10,
        sizeBytes: latest.sizeBytes,
        medianOfPreviousBytes: usual,
        sizeRatio: ratio === undefined ? undefined : Math.round(ratio * 100) / 100,
        ...found,
      };
      // How close each run came to its runner's limit (the drill's, from its latest record).
      const drill = inputs.logsBucket ? await latestDrillRecord(client, inputs.logsBucket, signal) : undefined;
      const took = {
        backup: secondsBetween(latest.startedAt, latest.finishedAt),
        ...(drill ? { drill: secondsBetween(drill.record.startedAt, drill.record.finishedAt) } : {}),
      };
      const slow = (Object.entries(took) as ["backup" | "drill", number][])
        .map(([task, s]) => runnerWarning(task, s, limits))
        .filter((w): w is string => !!w);
      Object.assign(details, { tookSeconds: took });
      const metrics = { backupAgeHours: details.ageHours, backupBytes: latest.sizeBytes };
      const fails = [
        ageHours > limits.maxAgeHours &&
          `the latest backup is ${Math.round(ageHours)} h old (limit ${limits.maxAgeHours} h)`,
        found.problem,
        ratio !== undefined &&
          ratio < limits.minSizeRatio &&
          `the latest dump is ${Math.round(ratio * 100)}% of the usual size (${latest.sizeBytes} vs median ${usual} bytes; below ${limits.minSizeRatio * 100}%)`,
      ].filter((x): x is string => typeof x === "string");
      if (fails.length) return { status: "fail", summary: `${latest.key}: ${fails.join("; ")}`, details, metrics };
      const warns = [
        ratio !== undefined &&
          ratio > limits.maxSizeRatio &&
          `${latest.key} is ${ratio.toFixed(1)}× the usual size (median ${usual} bytes): check what grew`,
        ...slow,
      ];
      const warnings = warns.filter((x): x is string => typeof x === "string");
      if (warnings.length) return { status: "warn", summary: warnings.join("; "), details, metrics };
      return {
        status: "ok",
        summary: `${latest.key}: ${Math.round(ageHours)} h old, ${latest.sizeBytes} bytes, sha-256 verified`,
        details,
        metrics,
      };
    },
  };
}

async function verifyObject(
  s3: S3Client,
  bucket: string,
  manifest: Manifest,
  signal: AbortSignal,
): Promise<{ problem?: string; sha256Verified: boolean }> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: manifest.key }), { abortSignal: signal });
    if (head.ContentLength !== manifest.sizeBytes) {
      return {
        problem: `its object is ${head.ContentLength} bytes, the manifest says ${manifest.sizeBytes}`,
        sha256Verified: false,
      };
    }
    const read = await hashObject(s3, bucket, manifest.key, signal);
    if (read.sha256 !== manifest.sha256) {
      return {
        problem: `checksum mismatch: the object's sha-256 is ${read.sha256}, the manifest says ${manifest.sha256}`,
        sha256Verified: false,
      };
    }
    return { sha256Verified: true };
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === "NotFound" || name === "NoSuchKey")
      return { problem: "its manifest exists but the dump object does not", sha256Verified: false };
    throw error;
  }
}
