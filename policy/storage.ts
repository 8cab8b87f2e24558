// Buckets, their lifecycle and the trail: encryption with the stack's key, no public access,
// TLS only, the guide's log retention, backups no one can erase, a trail that proves itself.
import type { StackValidationPolicy } from "@pulumi/policy";
import { companionsOf, label, linked, ofType, statements, T } from "./lib";

/** "Documentation › 1. Logs à conserver" of the guide: prefix of the logs bucket → days kept. */
export const GUIDE_LOG_RETENTION_DAYS: Record<string, { min: number; max: number }> = {
  "app/": { min: 30, max: 30 }, // Logs d'application : 30 jours
  "access/": { min: 90, max: 90 }, // Logs d'accès : 90 jours
  "security/": { min: 365, max: 366 }, // Logs de sécurité : 1 an
  "metrics/": { min: 730, max: 731 }, // Métriques : 2 ans
};

export const storagePolicies: StackValidationPolicy[] = [
  {
    name: "s3-bucket-sse-kms-stack-key",
    description: "Every bucket is encrypted with SSE-KMS under this stack's KMS key.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
      for (const bucket of ofType(resources, T.bucket)) {
        const rules = companionsOf(resources, bucket, T.sse).flatMap((c) => c.props.rules ?? []);
        const keyed = companionsOf(resources, bucket, T.sse).some((c) => linked(c, "rules", T.kmsKey).length > 0);
        const kms = rules.some((r: any) => r.applyServerSideEncryptionByDefault?.sseAlgorithm === "aws:kms");
        if (!kms || !keyed)
          report(
            `${label(bucket)}: no SSE-KMS encryption with the stack's key (add a BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and kmsMasterKeyId: the stack key's ARN)`,
          );
      }
    },
  },
  {
    name: "s3-public-access-blocked",
    description: "Every bucket has a public access block with its four settings on.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
      const flags = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
      for (const bucket of ofType(resources, T.bucket)) {
        const blocks = companionsOf(resources, bucket, T.publicAccessBlock);
        const off = flags.filter((f) => !blocks.some((b) => b.props[f] === true));
        if (off.length)
          report(
            `${label(bucket)}: public access not blocked (${off.join(", ")} not true in a BucketPublicAccessBlock)`,
          );
      }
    },
  },
  {
    name: "s3-tls-only",
    description: "Every bucket's policy denies requests without TLS (aws:SecureTransport false).",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
      for (const bucket of ofType(resources, T.bucket)) {
        const denies = companionsOf(resources, bucket, T.bucketPolicy)
          .flatMap((p) => statements(p.props.policy))
          .some((s) => s.Effect === "Deny" && String((s.Condition?.Bool as any)?.["aws:SecureTransport"]) === "false");
        if (!denies) report(`${label(bucket)}: no bucket policy statement denying aws:SecureTransport "false"`);
      }
    },
  },
  {
    name: "s3-logs-lifecycle-guide",
    description: "The logs bucket expires app/, access/, security/ and metrics/ as the guide's retention table says.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
      const rulesOf = (l: any) => (l.props.rules ?? []) as any[];
      const logs = ofType(resources, T.lifecycle).find((l) => rulesOf(l).some((r) => r.filter?.prefix === "app/"));
      if (!logs)
        return report(
          `no bucket lifecycle with an "app/" rule: the logs bucket must expire app logs after 30 days (guide › Logs à conserver)`,
        );
      for (const [prefix, { min, max }] of Object.entries(GUIDE_LOG_RETENTION_DAYS)) {
        const rule = rulesOf(logs).find((r) => r.filter?.prefix === prefix && r.status === "Enabled");
        const days = rule?.expiration?.days;
        if (!(days >= min && days <= max))
          report(
            `${label(logs)}: ${prefix} expires after ${days ?? "never"} days; the guide says ${min} (Documentation › Logs à conserver)`,
          );
      }
    },
  },
  {
    name: "s3-backups-object-lock",
    description: "The backups bucket has Object Lock on, with a default retention.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
      const backups = ofType(resources, T.bucket).filter((b) => /backups$/.test(b.name));
      if (!backups.length) report('no backups bucket (a Bucket whose name ends in "backups")');
      for (const bucket of backups) {
        const lock = companionsOf(resources, bucket, T.objectLock).find((c) => c.props.objectLockEnabled === "Enabled");
        const days = lock?.props.rule?.defaultRetention?.days ?? lock?.props.rule?.defaultRetention?.years;
        if (bucket.props.objectLockEnabled !== true || !(days > 0)) {
          report(
            `${label(bucket)}: Object Lock off or without a default retention (objectLockEnabled: true and a BucketObjectLockConfiguration with rule.defaultRetention)`,
          );
        }
      }
    },
  },
  {
    name: "cloudtrail-log-file-validation",
    description: "The stack has a CloudTrail trail, with log-file validation and KMS encryption.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
      const trails = ofType(resources, T.trail);
      if (!trails.length) report("no CloudTrail trail in the stack");
      for (const trail of trails) {
        if (trail.props.enableLogFileValidation !== true)
          report(`${label(trail)}: enableLogFileValidation is not true`);
        if (!trail.props.kmsKeyId) report(`${label(trail)}: no kmsKeyId (trail files must be SSE-KMS)`);
      }
    },
  },
];
