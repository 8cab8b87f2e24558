// "Vérification des backups", the making of them: the nightly pg_dump to the backups bucket,
// run by its schedule in the backup container image (pg_dump inside).
import { runBackup } from "../backup/dump";
import { ENV, METRIC } from "../core/contract";
import { requiredEnv } from "../core/inputs";
import { emfMetrics } from "../core/emf";
import { heartbeat } from "../core/metrics";
import { createS3Client } from "../lib/s3";
import { runAsProcess } from "./run-as-process";
import { secretValue } from "../lib/secrets";

export const handler = async () => {
  const started = performance.now();
  const result = await runBackup({
    databaseUrl: await secretValue(requiredEnv(ENV.backupDatabaseUrlSecretArn)),
    s3: createS3Client(),
    bucket: requiredEnv(ENV.backupsBucket),
    timezone: process.env[ENV.timezone],
    keepYearly: process.env[ENV.backupKeepYearly] === "true",
    objectLock: process.env[ENV.backupObjectLock] ? JSON.parse(process.env[ENV.backupObjectLock]!) : undefined,
  });
  // Another run holds the lock: that one will report; no heartbeat from this one.
  if (!("manifest" in result)) return { skipped: result.skipped };
  const { manifest } = result;
  heartbeat(emfMetrics(), requiredEnv(ENV.taskName), {
    [METRIC.backupBytes]: { value: manifest.sizeBytes, unit: "Bytes" },
    [METRIC.backupSeconds]: { value: Math.round(performance.now() - started) / 1000, unit: "Seconds" },
  });
  return {
    key: manifest.key,
    sizeBytes: manifest.sizeBytes,
    sha256: manifest.sha256,
    tier: manifest.tier,
    abortedStaleUploads: result.abortedStaleUploads,
  };
};

// On ECS Fargate the image runs this bundle as a process (`node backup/index.js`): same handler.
if (require.main === module) runAsProcess("backup", handler);
