// The stack config's non-secret settings as the variables the task code reads (core/needs.ts
// SETTINGS): the one place a setting of the stack file becomes a value the Lambdas and the CLI
// see, so both read the same thing from the same key.
import { ENV, LAMBDA_MAX_SECONDS } from "../../lambdas/core/contract";
import type { RunnerLimit } from "../../lambdas/core/inputs";
import type { SettingName } from "../../lambdas/core/needs";
import type { StackConfig } from "../config";

/** The variables of each setting group; a group that is off (no log drain) has none. */
export function settingVariables(config: StackConfig): Record<SettingName, Record<string, string>> {
  const health = config.thresholds.health;
  // The Vercel block brings the log drain with it, unless logDrain.enabled is false.
  const drain = config.vercel?.logDrain.enabled ? config.vercel : undefined;
  return {
    health: {
      [ENV.healthPath]: config.app.healthPath,
      [ENV.healthTimeoutMs]: String(health.timeoutMs),
      [ENV.p95LatencyMs]: String(health.p95LatencyMs),
    },
    uptime: {
      [ENV.uptimeThresholds]: JSON.stringify(config.thresholds.uptime),
      [ENV.p95LatencyMs]: String(health.p95LatencyMs),
    },
    databaseThresholds: { [ENV.databaseThresholds]: JSON.stringify(config.database.thresholds) },
    databaseTasks: { [ENV.databaseTasks]: JSON.stringify(config.database.tasks) },
    databaseCaCert: config.database.caCert ? { [ENV.databaseCaCert]: config.database.caCert } : {},
    backupThresholds: {
      [ENV.backupThresholds]: JSON.stringify({
        maxAgeHours: config.backups.maxAgeHours,
        ...config.backups.check,
        ...backupRunners(config),
      }),
    },
    // The Snyk and GitHub tokens are secrets (Secrets Manager): never in the settings variable.
    security: {
      [ENV.securitySettings]: JSON.stringify({
        ...config.security,
        snykToken: undefined,
        github: config.security.github && { ...config.security.github, token: undefined },
      }),
    },
    // Without its token (a secret, read from Secrets Manager), the Supabase part is skipped.
    access: { [ENV.accessSettings]: JSON.stringify({ ...config.access, supabaseToken: undefined }) },
    businessMetrics: { [ENV.businessMetrics]: JSON.stringify(config.businessMetrics) },
    logDrain: drain ? { [ENV.logDrainEnabled]: "true", [ENV.logThresholds]: JSON.stringify(drain.logThresholds) } : {},
  };
}

/** The variables of some setting groups together. */
export function variablesOf(config: StackConfig, settings: readonly SettingName[]): Record<string, string> {
  const all = settingVariables(config);
  return Object.assign({}, ...settings.map((s) => all[s]));
}

/** Everything the stack file says that a task reads: every setting group, the app's name and URL. */
export function stackVariables(config: StackConfig): Record<string, string> {
  return {
    [ENV.appName]: config.app.name,
    [ENV.appUrl]: config.app.url,
    ...variablesOf(config, Object.keys(settingVariables(config)) as SettingName[]),
  };
}

/** The backup's and the drill's runners and limits, when one is on Fargate (absent: both on Lambda, 15 minutes). */
function backupRunners(config: StackConfig): { runners?: Record<"backup" | "drill", RunnerLimit> } {
  const { runner, fargate } = config.backups;
  if (runner?.backup !== "fargate" && runner?.drill !== "fargate") return {};
  const limit = (kind: "lambda" | "fargate" = "lambda"): RunnerLimit =>
    kind === "fargate"
      ? { runner: kind, limitSeconds: (fargate?.maxRunMinutes ?? 240) * 60 }
      : { runner: kind, limitSeconds: LAMBDA_MAX_SECONDS };
  return { runners: { backup: limit(runner?.backup), drill: limit(runner?.drill) } };
}
