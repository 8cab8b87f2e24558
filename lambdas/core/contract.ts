// What infra/ and lambdas/ agree on, as plain data: the environment each function reads,
// the metrics it emits (and the alarms watch), the incident levels. No code, no imports,
// so the Pulumi program can read it without pulling task logic into the deployment.

/** The Lambda runtime of every function (the current Node.js LTS); the monthly list watches its end of support. */
export const LAMBDA_RUNTIME = "nodejs24.x";

/** Where the monthly access review writes its record: `<prefix>YYYY/MM/<YYYY-MM-DD>.json` (kept with the security logs). */
export const ACCESS_REVIEWS_PREFIX = "security/access-reviews/";

/** Where check-list run records go in the logs bucket: `<prefix><list>/<YYYY-MM-DD>.json`. */
export const RECORDS_PREFIX = "reports/checklists/";

/**
 * The logs bucket's top-level prefixes, one per line of the guide's "Logs à conserver" table
 * (infra/storage/lifecycle.ts expires each after its configured days).
 */
export const LOG_PREFIXES = {
  app: "app/",
  access: "access/",
  security: "security/",
  metrics: "metrics/",
  reports: "reports/",
} as const;

/** Where the Vercel log drain's deliveries land: `<app|access>/vercel/YYYY/MM/DD/…ndjson.gz`. */
export const VERCEL_LOGS_PREFIX = {
  app: `${LOG_PREFIXES.app}vercel/`,
  access: `${LOG_PREFIXES.access}vercel/`,
} as const;

/** The backups bucket's prefixes, one per retention tier that is written (yearly is a tag on a monthly). */
export const BACKUP_PREFIXES = ["daily/", "monthly/"] as const;

/** Lambda's longest run, in seconds: what the backup and the drill must fit in when they run there. */
export const LAMBDA_MAX_SECONDS = 900;

/** Where the restore drill writes its result (`<prefix><YYYY-MM-DD>.json`); the weekly list reads the latest. */
export const DRILL_RECORDS_PREFIX = `${LOG_PREFIXES.reports}backups/drills/`;

/** The Vercel Edge Config item the app's middleware reads: `true` serves the maintenance page (created by infra/, flipped by `ops maintenance`). */
export const MAINTENANCE_ITEM = "maintenance";

/**
 * Milliseconds a check-list run keeps back from its invocation's time to write its record,
 * emit its metrics and publish its incidents; a check's limit must fit in the function's
 * timeout minus this (the config refuses it otherwise).
 */
export const FINISH_MARGIN_MS = 20_000;

/** A check's time limit when its catalogue entry gives none. */
export const DEFAULT_CHECK_TIMEOUT_MS = 30_000;

/** CloudWatch namespace of every metric the stack's functions emit (EMF). */
export const METRICS_NAMESPACE = "EleganceOps";

/** Environment variables set on the functions by infra/ and read by lambdas/ (never secrets). */
export const ENV = {
  /** The app's https origin, e.g. https://www.elegance-mobilite.fr */
  appUrl: "APP_URL",
  /** Path of the health endpoint, e.g. /api/health */
  healthPath: "HEALTH_PATH",
  /** Milliseconds the health probe waits before calling the app down. */
  healthTimeoutMs: "HEALTH_TIMEOUT_MS",
  /** Bucket of logs and reports (run records go under reports/). */
  logsBucket: "LOGS_BUCKET",
  /** Bucket of database backups. */
  backupsBucket: "BACKUPS_BUCKET",
  /** ARN of the Secrets Manager secret holding the database URL (read at run time, cached). */
  databaseUrlSecretArn: "DATABASE_URL_SECRET_ARN",
  /** PEM of the database server's CA (public): TLS to the database is verified against it. */
  databaseCaCert: "DATABASE_CA_CERT",
  /** ARN of the Secrets Manager secret holding the PagerDuty routing key. */
  pagerdutyRoutingKeySecretArn: "PAGERDUTY_ROUTING_KEY_SECRET_ARN",
  /** JSON `{"1": arn, "2": arn, "3": arn}`: the paging topic of each incident level. */
  incidentTopics: "INCIDENT_TOPICS",
  /** JSON `{"<check id>": {"warn": 1, "fail": 2}}`: the level of each check's incidents. */
  checkLevels: "CHECK_LEVELS",
  /** The app's name, prefixing incident keys, e.g. elegance-mobilite */
  appName: "APP_NAME",
  /** The scheduled task's name, the `Task` dimension of its heartbeat, e.g. daily-checklist */
  taskName: "TASK_NAME",
  /** JSON `{"warnBelowPercent": 99.9, "failBelowPercent": 99}`: the weekly uptime check's thresholds. */
  uptimeThresholds: "UPTIME_THRESHOLDS",
  /** JSON, part of DatabaseThresholds (lambdas/checks/db/thresholds.ts): overrides of the database checks' defaults. */
  databaseThresholds: "DATABASE_THRESHOLDS",
  /** JSON, part of DatabaseTasks (lambdas/lib/inputs.ts): the monthly tasks' ages and batch size. */
  databaseTasks: "DATABASE_TASKS",
  /** The weekly health-latency threshold the uptime check compares the week's p95 with. */
  p95LatencyMs: "P95_LATENCY_MS",
  /** ARN of the Secrets Manager secret holding the Vercel log drain's signature secret. */
  logDrainSecretArn: "LOG_DRAIN_SECRET_ARN",
  /** Vercel's endpoint verification code, answered in the `x-vercel-verify` header (not a secret). */
  vercelVerifyCode: "VERCEL_VERIFY_CODE",
  /** Largest log drain delivery accepted, in bytes. */
  logDrainMaxBytes: "LOG_DRAIN_MAX_BYTES",
  /** "true" when a Vercel log drain feeds the logs bucket (the daily log check has something to read). */
  logDrainEnabled: "LOG_DRAIN_ENABLED",
  /** ARN of the secret holding the URL the backup dumps with (a role that reads every table: Supabase's postgres). */
  backupDatabaseUrlSecretArn: "BACKUP_DATABASE_URL_SECRET_ARN",
  /** Directory of the PostgreSQL client programs (pg_dump, pg_restore, psql) in the backup image. */
  pgBindir: "PG_BINDIR",
  /** Directory of the PostgreSQL server programs (initdb, postgres) the drill's scratch server runs from. */
  pgServerBindir: "PG_SERVER_BINDIR",
  /** JSON, part of BackupThresholds (lambdas/lib/inputs.ts): the backup check's age and size band. */
  backupThresholds: "BACKUP_THRESHOLDS",
  /** JSON `{"mode": "GOVERNANCE", "days": 14}`: Object Lock retention the backup task sets on each object. */
  backupObjectLock: "BACKUP_OBJECT_LOCK",
  /** "true" when yearly backups are kept (the January 1st backup is tagged yearly). */
  backupKeepYearly: "BACKUP_KEEP_YEARLY",
  /** The IANA time zone dating backups and records, e.g. Europe/Paris. */
  timezone: "TIMEZONE",
  /** JSON, part of LogThresholds (lambdas/checks/app-logs): the daily log check's thresholds. */
  logThresholds: "LOG_THRESHOLDS",
  /** ARN of the Secrets Manager secret holding the phone numbers of each level (lambdas/paging/sms-formatter.ts PhoneRoutes). */
  smsPhonesSecretArn: "SMS_PHONES_SECRET_ARN",
  /** Base of the runbooks' short links in SMS, e.g. https://ops.elegance-mobilite.fr/rb (optional). */
  runbookBaseUrl: "RUNBOOK_BASE_URL",
  /** Prefix of the database alarms' names: their SMS also reach the database's numbers. */
  databaseAlarmPrefix: "DATABASE_ALARM_PREFIX",
  /** JSON `{"levels": {"critical": "fail", …}, "ignore": [{"id", "reason", "expires"}]}`: the security checks' settings (stack config `security`). */
  securitySettings: "SECURITY_SETTINGS",
  /** npm registry (or mirror) the vulnerability and dependency checks read; default the public one. */
  npmRegistryUrl: "NPM_REGISTRY_URL",
  /** OSV API base URL; default https://api.osv.dev. */
  osvApiUrl: "OSV_API_URL",
  /** ARN of the secret holding the Vercel token the security checks read the app's lock-file with. */
  vercelTokenSecretArn: "VERCEL_TOKEN_SECRET_ARN",
  /** The Vercel team (team_… or slug) and project (prj_… or name) of the app. */
  vercelTeamId: "VERCEL_TEAM_ID",
  vercelProjectId: "VERCEL_PROJECT_ID",
  /** JSON `{"approved": [{"name", "role", "systems"}], "maxKeyAgeDays", "supabaseOrganization", "aws"}`: the access review's settings (stack config `access`). */
  accessSettings: "ACCESS_SETTINGS",
  /** ARN of the secret holding the Supabase Management API token (`access.supabaseToken`), when configured. */
  supabaseTokenSecretArn: "SUPABASE_TOKEN_SECRET_ARN",
  /** ARN of the secret holding the Snyk API token (`security.snykToken`), only when configured. */
  snykTokenSecretArn: "SNYK_TOKEN_SECRET_ARN",
  /** Snyk's API, for a test or a regional endpoint (default: Snyk's public one). */
  snykApiUrl: "SNYK_API_URL",
  /** ARN of the secret holding the GitHub token (`security.github.token`) the app's lock-file is read with, when configured. */
  githubTokenSecretArn: "GITHUB_TOKEN_SECRET_ARN",
  /** GitHub's REST API base URL (GitHub Enterprise, tests); default https://api.github.com. */
  githubApiUrl: "GITHUB_API_URL",
  /** Supabase Management API base URL; default https://api.supabase.com. */
  supabaseApiUrl: "SUPABASE_API_URL",
  /** Vercel API base URL; default https://api.vercel.com. */
  vercelApiUrl: "VERCEL_API_URL",
  /** Seconds a task run as a process (ECS Fargate) may take; past them it stops itself and exits 124. */
  maxRunSeconds: "MAX_RUN_SECONDS",
  /** The weekly report's sender, e.g. rapports@elegance-mobilite.fr (a verified SES identity); unset: the report's key goes to the level-1 topic. */
  reportFrom: "REPORT_FROM",
  /** ARN of the secret holding the report's recipients (JSON array of e-mail addresses). */
  reportRecipientsSecretArn: "REPORT_RECIPIENTS_SECRET_ARN",
  /** JSON `{"ridesTable": "public.rides", …}`: the business metrics' table and column names. */
  businessMetrics: "BUSINESS_METRICS",
} as const;

/**
 * Metric names and their dimensions. Each is either alarmed on (the alarm named) or there for
 * the dashboard and the reports, and then says what pages instead: no metric is silent by mistake.
 */
export const METRIC = {
  /**
   * 1 per successful run of a task run as a process (Fargate); dimension `Task`. Alarmed: its absence
   * pages (`<task>-heartbeat`). In Lambda the alarm reads AWS/Lambda Invocations and this is not emitted.
   */
  heartbeat: "Heartbeat",
  /** Health probe, dimension `App`: 1 when /api/health answered 2xx with a healthy body in time, else 0. Alarmed (`<app>-app-down`, level 3); the weekly `uptime` check reads it. */
  up: "Up",
  /** Health probe: milliseconds until the response was read (the timeout when there was none). Alarmed on p95 (`<app>-app-slow`). */
  latency: "Latency",
  /**
   * Backup task, dimension `Task`: size of the dump (bytes) and how long it took (seconds).
   * Dashboard: the daily `backups` check judges the size against the previous week's, and a
   * run nearing Lambda's 15 minutes fails and pages through the task's errors alarm.
   */
  backupBytes: "BackupBytes",
  backupSeconds: "BackupSeconds",
  /**
   * Restore drill, dimension `Task`: the drill's time (seconds), and 1 when the restored copy
   * matched, else 0. Dashboard: a failed drill pages through the weekly `backup-drill` check,
   * which reads the drill's record.
   */
  drillSeconds: "DrillSeconds",
  drillOk: "DrillOk",
  /** Log ingest, dimension `App`: error-level lines (stderr / level error) in a delivery. Alarmed (`<app>-app-error-lines`). */
  logErrorLines: "LogErrorLines",
  /** Log ingest, dimension `App`: proxy/request entries answered 5xx. Alarmed (`<app>-app-5xx`). */
  http5xxResponses: "Http5xxResponses",
  /** Log ingest, dimension `App`: request durations (ms) where entries carry them. Alarmed on p95 (`<app>-app-requests-slow`). */
  requestDuration: "RequestDuration",
  /** Log ingest, dimension `App`: 1 per delivery refused (413) for being over LOG_DRAIN_MAX_BYTES. Alarmed (`log-ingest-deliveries-too-large`): those logs are lost. */
  logDeliveriesTooLarge: "LogDeliveriesTooLarge",
} as const;

/**
 * The metrics no alarm reads: for the dashboard and the reports (each says above what pages instead).
 * A series costs $0.30 a month: per-status check counts are not metrics, the run records keep them.
 */
export const DASHBOARD_METRICS: readonly string[] = [
  METRIC.backupBytes,
  METRIC.backupSeconds,
  METRIC.drillSeconds,
  METRIC.drillOk,
];

export const DIMENSION = { task: "Task", checklist: "Checklist", app: "App" } as const;

export type Level = 1 | 2 | 3;

/** The guide's "Gestion des incidents": three levels, each with its response time and impact. */
export const LEVELS: Record<Level, { name: string; responseTime: string; responseMinutes: number; impact: string }> = {
  1: { name: "Niveau 1 (mineur)", responseTime: "< 4 h", responseMinutes: 240, impact: "Fonctionnalité non critique" },
  2: { name: "Niveau 2 (majeur)", responseTime: "< 1 h", responseMinutes: 60, impact: "Fonctionnalité critique" },
  3: { name: "Niveau 3 (urgence)", responseTime: "< 15 min", responseMinutes: 15, impact: "Service inaccessible" },
};

/** What a check or alarm is about; database incidents also page the DBA at level 2. */
export type Domain = "app" | "database" | "backups" | "logs" | "security" | "platform";

/**
 * An incident as published to a level's SNS topic (the message body, JSON). `page` is the
 * text a person reads (e-mail, SMS); the other fields are for machines (PagerDuty, filters).
 */
export interface IncidentMessage {
  source: "elegance-ops";
  kind: "incident";
  level: Level;
  responseTime: string;
  domain: Domain;
  /** Stable across runs for the same problem, e.g. `elegance-mobilite/daily/app-health`. */
  dedupKey: string;
  checklist: string;
  check: string;
  status: "warn" | "fail";
  summary: string;
  details?: unknown;
  runbook: string[];
  at: string;
  page: string;
}

/**
 * The business metrics (daily list's `business-metrics` check), dimension `App`; the weekly
 * report and the dashboard read them. Counts are of the previous UTC day.
 */
export const BUSINESS_METRIC = {
  ridesCreated: "RidesCreated",
  ridesCompleted: "RidesCompleted",
  ridesCancelled: "RidesCancelled",
  /** Sum of the completed rides' prices, in cents. */
  revenueCents: "RevenueCents",
  activeDrivers: "ActiveDrivers",
  signUps: "SignUps",
  liveSessions: "LiveSessions",
  databaseBytes: "DatabaseBytes",
} as const;

/** Where the weekly reports go: `<prefix>YYYY-Www.json` and `.html`. */
export const WEEKLY_REPORTS_PREFIX = `${LOG_PREFIXES.reports}weekly/`;
