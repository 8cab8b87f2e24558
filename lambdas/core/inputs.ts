// What a task reads, in one shape: the Lambdas build it from their environment (set by infra/,
// secrets fetched from Secrets Manager), the CLI from flags and environment variables.
import { ENV } from "./contract";
import type { CheckLevels } from "./check";
import { DEFAULT_DATABASE_THRESHOLDS, DatabaseThresholds } from "./database-thresholds";
import { DEFAULT_LOG_THRESHOLDS, LogThresholds } from "./log-thresholds";

/** Where the app's lock-file is read from when `security.lockfile` is github (lambdas/security/github.ts). */
export interface GithubSource {
  /** `owner/repo`. */
  repository: string;
  /** Absent: the repository's default branch. */
  branch?: string;
  /** The lock-file's path in the repository; absent: the first lock-file at its root. */
  path?: string;
  /** Absent: a public repository, read without one. */
  token?: () => Promise<string>;
  apiUrl?: string;
}

export interface TaskInputs {
  appName: string;
  /** The app's https origin. */
  appUrl?: string;
  healthPath: string;
  healthTimeoutMs: number;
  /** Above this, a health answer is "slow" (the p95 alarm's threshold). */
  p95LatencyMs: number;
  /** Resolved lazily: only checks that need the database fetch the secret. */
  databaseUrl?: () => Promise<string>;
  logsBucket?: string;
  backupsBucket?: string;
  /** Overrides of the catalogue's levels, keyed `<list>.<check id>`. */
  checkLevels: Record<string, Partial<CheckLevels>>;
  uptime: { warnBelowPercent: number; failBelowPercent: number };
  /** The database checks' thresholds (defaults merged with the stack config). */
  database: DatabaseThresholds;
  /** The monthly tasks' settings (guide: sessions 30 days, rides 6 months). */
  tasks: DatabaseTasks;
  /** The Vercel log drain, when one feeds the logs bucket; absent: the daily log check has nothing to read. */
  logs?: { drainEnabled: boolean; thresholds: LogThresholds };
  /** Table and column names of the business metrics (stack config `businessMetrics`); absent keys: the fixture's names. */
  businessMetrics?: Record<string, string>;
  /** The daily backup check's limits. */
  backups: BackupThresholds;
  /** The security checks' settings and sources (stack config `security`); defaults in lambdas/security. */
  security?: SecurityInputs;
  /** The scheduled task's name, the `Task` dimension of its heartbeat. */
  taskName: string;
  /** The runtime the code runs on, e.g. `AWS_Lambda_nodejs24.x` (absent outside Lambda). */
  executionEnv?: string;
}

export interface SecurityInputs {
  /** Severity → `fail` | `warn` | `report`, over the defaults. */
  levels: Record<string, string>;
  /** Accepted risks: an advisory id, why, and until when (YYYY-MM-DD). */
  ignore: { id: string; reason: string; expires: string }[];
  registryUrl?: string;
  osvUrl?: string;
  /** A lock-file on disk to scan instead of the app's and the stack's (the CLI's --lockfile). */
  lockfilePath?: string;
  /** The access review's settings (stack config `access`), as the schema left them. */
  access: Record<string, unknown>;
  /** The Supabase Management API, when its token is given (access review). */
  supabase?: { token: () => Promise<string>; apiUrl: string };
  /** Snyk's test API, only when `security.snykToken` is set (absent: Snyk is never called). */
  snyk?: { token: () => Promise<string>; org?: string; apiUrl?: string };
  /** The app's repository, when `security.lockfile` is github: its lock-file instead of the deployment's. */
  github?: GithubSource;
  /** The app on Vercel, when its token is given: its production deployment's lock-file. */
  vercel?: { token: () => Promise<string>; team?: string; project: string; apiUrl?: string };
}

export interface DatabaseTasks {
  /** Weekly purge: rows older than maxAgeDays by their timestamp column. */
  temporaryData: { table: string; column: string; maxAgeDays: number }[];
  sessionsExpiredDays: number;
  sessionsInactiveDays?: number;
  ridesOlderThanMonths: number;
  batchSize: number;
  /** Tables referencing rides whose rows move with their ride (`<table>_archive`); absent: referenced rides stay. */
  archive?: { withDependents: string[] };
}

export interface BackupThresholds {
  /** The latest complete backup must be younger than this (one daily run plus margin). */
  maxAgeHours: number;
  /** Latest size below this fraction of the median of the previous 7 is a `fail` (a dump lost data). */
  minSizeRatio: number;
  /** Above this multiple of that median is a `warn`. */
  maxSizeRatio: number;
  /** The weekly list fails when the last restore drill is older than this. */
  drillMaxAgeDays: number;
  /** Where the backup and the drill run and how long they may (absent: Lambda's 15 minutes, LAMBDA_MAX_SECONDS). */
  runners?: Partial<Record<"backup" | "drill", RunnerLimit>>;
}

/** A task's runner (stack config backups.runner) and its longest run in seconds. */
export interface RunnerLimit {
  runner: "lambda" | "fargate";
  limitSeconds: number;
}

export const DEFAULT_BACKUP_THRESHOLDS: BackupThresholds = {
  maxAgeHours: 26,
  minSizeRatio: 0.5,
  maxSizeRatio: 2,
  drillMaxAgeDays: 8,
};

export const DEFAULT_TASKS: DatabaseTasks = {
  temporaryData: [],
  sessionsExpiredDays: 30,
  ridesOlderThanMonths: 6,
  batchSize: 5000,
};

export const DEFAULT_INPUTS = {
  appName: "elegance-mobilite",
  healthPath: "/api/health",
  healthTimeoutMs: 5000,
  p95LatencyMs: 1500,
  uptime: { warnBelowPercent: 99.9, failBelowPercent: 99 },
  database: DEFAULT_DATABASE_THRESHOLDS,
  tasks: DEFAULT_TASKS,
  backups: DEFAULT_BACKUP_THRESHOLDS,
} as const;

function json<T>(text: string | undefined, name: string, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${name} is not valid JSON`);
  }
}

const number = (text: string | undefined, fallback: number) =>
  text && Number.isFinite(Number(text)) ? Number(text) : fallback;

/**
 * The one way TaskInputs are built, from variables: in a Lambda those infra/ set (see ENV and
 * core/needs.ts), secrets arriving as Secrets Manager ARNs read through `readSecret` (so a
 * function that reads none bundles no Secrets Manager client); in the CLI the same variables
 * layered from flags, the shell and the stack file (bin/ops/inputs.ts), secrets given as values.
 */
export function inputsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  readSecret?: (arn: string) => Promise<string>,
): TaskInputs {
  const secretArn = env[ENV.databaseUrlSecretArn];
  const directUrl = env.DATABASE_URL;
  return {
    appName: env[ENV.appName] ?? DEFAULT_INPUTS.appName,
    appUrl: env[ENV.appUrl],
    healthPath: env[ENV.healthPath] ?? DEFAULT_INPUTS.healthPath,
    healthTimeoutMs: number(env[ENV.healthTimeoutMs], DEFAULT_INPUTS.healthTimeoutMs),
    p95LatencyMs: number(env[ENV.p95LatencyMs], DEFAULT_INPUTS.p95LatencyMs),
    databaseUrl: directUrl ? async () => directUrl : secretArn && readSecret ? () => readSecret(secretArn) : undefined,
    logsBucket: env[ENV.logsBucket],
    backupsBucket: env[ENV.backupsBucket],
    checkLevels: json(env[ENV.checkLevels], ENV.checkLevels, {}),
    uptime: json(env[ENV.uptimeThresholds], ENV.uptimeThresholds, DEFAULT_INPUTS.uptime),
    database: { ...DEFAULT_DATABASE_THRESHOLDS, ...json(env[ENV.databaseThresholds], ENV.databaseThresholds, {}) },
    tasks: { ...DEFAULT_TASKS, ...json(env[ENV.databaseTasks], ENV.databaseTasks, {}) },
    logs: {
      drainEnabled: env[ENV.logDrainEnabled] === "true",
      thresholds: { ...DEFAULT_LOG_THRESHOLDS, ...json(env[ENV.logThresholds], ENV.logThresholds, {}) },
    },
    backups: { ...DEFAULT_BACKUP_THRESHOLDS, ...json(env[ENV.backupThresholds], ENV.backupThresholds, {}) },
    security: securityFromEnv(env, readSecret),
    businessMetrics: json(env[ENV.businessMetrics], ENV.businessMetrics, {}),
    taskName: env[ENV.taskName] ?? "local",
    executionEnv: env.AWS_EXECUTION_ENV,
  };
}

function securityFromEnv(env: NodeJS.ProcessEnv, readSecret?: (arn: string) => Promise<string>): SecurityInputs {
  const settings = json<Partial<SecurityInputs>>(env[ENV.securitySettings], ENV.securitySettings, {});
  const tokenArn = env[ENV.vercelTokenSecretArn];
  const direct = env.VERCEL_TOKEN;
  const token = direct ? async () => direct : tokenArn && readSecret ? () => readSecret(tokenArn) : undefined;
  const project = env[ENV.vercelProjectId];
  const supabaseArn = env[ENV.supabaseTokenSecretArn];
  const supabaseDirect = env.SUPABASE_ACCESS_TOKEN;
  const supabaseToken = supabaseDirect
    ? async () => supabaseDirect
    : supabaseArn && readSecret
      ? () => readSecret(supabaseArn)
      : undefined;
  const snykArn = env[ENV.snykTokenSecretArn];
  const snykToken = env.SNYK_TOKEN
    ? async () => env.SNYK_TOKEN!
    : snykArn && readSecret
      ? () => readSecret(snykArn)
      : undefined;
  const snykOrg = (settings as { snykOrg?: string }).snykOrg;
  const { lockfile, github } = settings as { lockfile?: string; github?: GithubSource };
  // The GitHub token: GITHUB_TOKEN in a shell, its secret's ARN in a Lambda (read like the others).
  const githubArn = env[ENV.githubTokenSecretArn];
  const githubToken = env.GITHUB_TOKEN || undefined;
  return {
    github:
      lockfile === "github" && github?.repository
        ? {
            ...github,
            token: githubToken
              ? async () => githubToken
              : githubArn && readSecret
                ? () => readSecret(githubArn)
                : undefined,
            apiUrl: env[ENV.githubApiUrl] || undefined,
          }
        : undefined,
    access: json<Record<string, unknown>>(env[ENV.accessSettings], ENV.accessSettings, {}),
    snyk: snykToken ? { token: snykToken, org: snykOrg, apiUrl: env[ENV.snykApiUrl] || undefined } : undefined,
    supabase: supabaseToken
      ? { token: supabaseToken, apiUrl: env[ENV.supabaseApiUrl] || "https://api.supabase.com" }
      : undefined,
    levels: settings.levels ?? {},
    ignore: settings.ignore ?? [],
    registryUrl: env[ENV.npmRegistryUrl] || undefined,
    osvUrl: env[ENV.osvApiUrl] || undefined,
    lockfilePath: env.SECURITY_LOCKFILE || undefined,
    vercel:
      token && project
        ? { token, project, team: env[ENV.vercelTeamId], apiUrl: env[ENV.vercelApiUrl] || undefined }
        : undefined,
  };
}

/** A variable infra/ always sets; its absence is a deployment mistake, said by name. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
