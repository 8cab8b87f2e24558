// Weekly "Scan de sécurité" (npm audit, snyk test): the app's and the stack's lock-files against
// npm's advisories and OSV (lambdas/security/).
import type { Check } from "../core/check";
import { runScan, scanResult } from "../security/scan";

export const securityAudit: Check = {
  id: "security-audit",
  title: "Scan de sécurité : vulnérabilités connues des dépendances (npm, OSV)",
  timeoutMs: 120_000,
  async run({ inputs, now, signal }) {
    return scanResult(await runScan(inputs.security, now.toISOString().slice(0, 10), { signal }));
  },
};
