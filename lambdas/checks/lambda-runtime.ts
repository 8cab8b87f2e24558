// Monthly "Mise à jour des dépendances" / "nvm install lts/*", for the stack itself: how long
// the Node.js runtime the functions run on is still supported.
import type { Check } from "../core/check";
import { LAMBDA_RUNTIME } from "../core/contract";

/**
 * End of support per Node.js major: the AWS Lambda runtime deprecation dates
 * (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html), which follow the Node.js
 * release schedule's end-of-life dates (github.com/nodejs/Release).
 */
export const NODE_END_OF_SUPPORT: Record<number, string> = {
  18: "2025-09-01",
  20: "2026-04-30",
  22: "2027-04-30",
  24: "2028-04-30",
};
const WARN_DAYS = 180;
const DAY_MS = 86_400_000;

/**
 * `AWS_Lambda_nodejs24.x` → 24. Outside Lambda (a run from the CLI) the question is still the
 * deployed functions' runtime, so it is the one this repository deploys.
 */
export function runtimeMajor(executionEnv: string | undefined): { major: number; runtime: string } {
  const lambda = executionEnv?.match(/nodejs(\d+)\.x/);
  if (lambda) return { major: Number(lambda[1]), runtime: `nodejs${lambda[1]}.x (running)` };
  const major = Number(LAMBDA_RUNTIME.match(/\d+/)![0]);
  return { major, runtime: `${LAMBDA_RUNTIME} (deployed by infra/)` };
}

export const lambdaRuntime: Check = {
  id: "lambda-runtime",
  title: "Mise à jour des dépendances : fin de support du runtime Node.js des fonctions",
  async run({ inputs, now }) {
    const { major, runtime } = runtimeMajor(inputs.executionEnv);
    const end = NODE_END_OF_SUPPORT[major];
    if (!end)
      return { status: "fail", summary: `${runtime}: no known end-of-support date; move to a current Node.js LTS` };
    const daysLeft = Math.floor((Date.parse(`${end}T00:00:00Z`) - now.getTime()) / DAY_MS);
    const details = { runtime, major, endOfSupport: end, daysLeft };
    const metrics = { runtimeDaysLeft: daysLeft };
    if (daysLeft < 0)
      return {
        status: "fail",
        summary: `${runtime} reached end of support on ${end}; upgrade the functions' runtime`,
        details,
        metrics,
      };
    if (daysLeft <= WARN_DAYS)
      return {
        status: "warn",
        summary: `${runtime} ends support on ${end}, in ${daysLeft} days; plan the upgrade`,
        details,
        metrics,
      };
    return { status: "ok", summary: `${runtime} is supported until ${end} (${daysLeft} days)`, details, metrics };
  },
};
