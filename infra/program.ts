// The whole stack, composed from one component per concern. Each line of the maintenance
// guide is reachable from here in one step (see the table in README.md).
import type { StackConfig } from "./config";
import { Secrets } from "./secrets";
import { Storage } from "./storage";

export function program(config: StackConfig) {
  // "Logs à conserver" (app 30 d, access 90 d, security 1 y, metrics 2 y) and backup storage.
  const storage = new Storage(config.app.name, {
    logRetention: config.logRetention,
    backups: config.backups,
  });

  // Runtime secrets, read by the Lambdas from Secrets Manager (never environment variables).
  const secrets = new Secrets(config.app.name, {
    databaseUrl: config.database.url,
    kmsKeyArn: storage.key.arn,
  });

  return {
    kmsKeyArn: storage.key.arn,
    logsBucket: storage.logs.bucket.bucket,
    backupsBucket: storage.backups.bucket.bucket,
    trailArn: storage.trail.arn,
    databaseUrlSecretArn: secrets.databaseUrl.arn,
  };
}
