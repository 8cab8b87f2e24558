// Weekly "Scan de sécurité" (npm audit, snyk test): the app's and the stack's lock-files against
// npm's advisories and OSV (lambdas/security/); OSV's details are cached in the logs bucket.
import type { S3Client } from "@aws-sdk/client-s3";
import type { Check } from "../core/check";
import { runScan, scanResult } from "../security/scan";

export const securityAuditCheck = (s3: () => S3Client): Check => ({
  id: "security-audit",
  title: "Scan de sécurité : vulnérabilités connues des dépendances (npm, OSV)",
  timeoutMs: 120_000,
  async run({ inputs, now, signal }) {
    const store = inputs.logsBucket ? { s3, bucket: inputs.logsBucket } : undefined;
    return scanResult(await runScan(inputs.security, now.toISOString().slice(0, 10), { signal }, store));
  },
});
