// The whole stack, composed from one component per concern. Each line of the maintenance
// guide is reachable from here in one step (see the table in README.md).
import { Backups } from "./backup";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Checklists } from "./checklists";
import { Dashboard } from "./dashboard";
import { DeadLetters } from "./dead-letters";
import { MetricsArchive } from "./metrics-archive";
import { Reports } from "./report";
import { DatabaseAccess } from "./database-access";
import type { StackConfig } from "./config";
import { settingVariables } from "./config/settings";
import { HealthProbe } from "./health-probe";
import { LogIngest } from "./log-ingest";
import { databaseAlarmPrefix, Paging } from "./paging";
import { taskSettings } from "./scheduled-task";
import { Secrets } from "./secrets";
import { SecurityMonitoring } from "./security-monitoring";
import { phoneRoutes, SmsPaging } from "./sms";
import { ScheduledTask } from "./scheduled-task";
import { Storage } from "./storage";
import type { FunctionBase } from "./task-function";
import { drainPassword, Vercel } from "./vercel";

export function program(config: StackConfig) {
  const app = config.app.name;
  // Per function: timeout, retries of a failed run, opt-in reserved concurrency.
  const fns = config.functions;

  // "Logs à conserver" (app 30 d, access 90 d, security 1 y, metrics 2 y) and backup storage.
  const storage = new Storage(app, { logRetention: config.logRetention, backups: config.backups });
  // What every function is built on: the stack's key, and log groups kept as the guide says.
  const base = { kmsKeyArn: storage.key.arn, logGroup: storage.logGroup.bind(storage) };
  const buckets = {
    logsBucket: { name: storage.logs.bucket.bucket, arn: storage.logs.bucket.arn },
    backupsBucket: { name: storage.backups.bucket.bucket, arn: storage.backups.bucket.arn },
  };

  // The database's maintenance role, created through the admin URL; the Lambdas use its URL.
  const database = new DatabaseAccess(app, {
    adminUrl: config.database.url,
    roleName: config.database.maintenanceRole,
    postgresMajor: config.database.postgresMajor,
    temporaryTables: config.database.tasks.temporaryData.map((t) => t.table),
    archiveDependents: config.database.tasks.archive?.withDependents,
    caCert: config.database.caCert,
  });

  // Runtime secrets, read by the Lambdas from Secrets Manager (never environment variables): one
  // JSON secret with a key per configured value, the backup's admin URL apart.
  const drainSecret = config.vercel?.logDrain.enabled ? drainPassword(app) : undefined;
  const recipients = config.contacts.filter((c) => config.reports.recipients.includes(c.role)).map((c) => c.email);
  const secrets = new Secrets(app, {
    values: {
      databaseUrl: database.maintenanceUrl,
      smsPhones: phoneRoutes({ contacts: config.contacts, routes: config.paging }),
      pagerdutyRoutingKey: config.paging.pagerdutyRoutingKey,
      vercelToken: config.vercel?.token,
      supabaseToken: config.access.supabaseToken,
      snykToken: config.security.snykToken,
      // A Pulumi secret (lockfile-source.ts types its transform loosely, to stay apart from schema.ts).
      githubToken: config.security.github?.token as pulumi.Input<string> | undefined,
      logDrainSecret: drainSecret?.result,
      reportRecipients:
        config.reports.ses && recipients.length ? pulumi.all(recipients).apply((r) => JSON.stringify(r)) : undefined,
    },
    backupDatabaseUrl: config.database.url,
    kmsKeyArn: storage.key.arn,
  });

  // "Gestion des incidents" + "Contacts d'urgence": one topic per level, contacts subscribed by role.
  // Optionally forwarded to PagerDuty when a routing key is configured.
  const paging = new Paging(app, {
    contacts: config.contacts,
    routes: config.paging,
    base,
    pagerdutyRoutingKeySecretArn: secrets.ref("pagerdutyRoutingKey"),
  });
  // One dead-letter queue and alarm for every scheduled task: its messages name the task.
  const deadLetters = new DeadLetters(app, { app, topics: paging.topics, kmsKeyArn: storage.key.arn });
  const taskBase: FunctionBase = { ...base, deadLetters };
  // Texts: one short segment per page to the numbers of its level (alarms' JSON is no SMS); e-mail stays on the topics.
  const sms = new SmsPaging(app, {
    app,
    phonesSecretRef: secrets.ref("smsPhones")!,
    contacts: config.contacts,
    routes: config.paging,
    sms: config.paging.sms,
    topics: paging.topics,
    base,
    databaseAlarmPrefix: databaseAlarmPrefix(app),
  });

  // "Logs de sécurité" that alert: CIS monitoring on the trail's log group, paging level 2 (root: 3).
  // The copy of the backups to a second account, when configured: what that account must apply.
  new SecurityMonitoring(`${app}-security`, {
    app,
    trail: storage.security,
    bucketNames: [storage.logs.bucket.bucket, storage.backups.bucket.bucket, storage.security.bucket.bucket.bucket],
    topics: paging.topics,
  });
  const securityOutputs = storage.backupsCopy
    ? { backupsCopyDestinationPolicies: storage.backupsCopy.destinationPolicies }
    : {};

  // "Annexes › Check-lists": daily, weekly, monthly, each on its schedule, Paris time.
  const checklists = new Checklists(app, {
    app,
    base: taskBase,
    schedules: config.schedules,
    timezone: config.timezone,
    topics: paging.topics,
    appUrl: config.app.url,
    ...buckets,
    databaseUrlSecretArn: secrets.ref("databaseUrl")!,
    settings: settingVariables(config),
    hasLogDrain: config.vercel?.logDrain.enabled === true,
    vercel:
      config.vercel && secrets.ref("vercelToken")
        ? {
            teamId: config.vercel.teamId,
            projectId: config.vercel.projectId,
            tokenSecretArn: secrets.ref("vercelToken")!,
          }
        : undefined,
    supabaseTokenSecretArn: secrets.ref("supabaseToken"),
    snykTokenSecretArn: secrets.ref("snykToken"),
    githubTokenSecretArn: secrets.ref("githubToken"),
    levels: config.checklists.levels,
    runbookBaseUrl: config.paging.sms.runbookBaseUrl,
    functions: {
      daily: taskSettings(fns["daily-checklist"]),
      weekly: taskSettings(fns["weekly-checklist"]),
      monthly: taskSettings(fns["monthly-checklist"]),
    },
  });

  // "Vérification des backups" + "Procédures de restauration": nightly pg_dump, weekly restore drill.
  const backups = new Backups(app, {
    app,
    base: taskBase,
    topics: paging.topics,
    schedules: { backup: config.schedules.backup, drill: config.schedules.backupDrill },
    timezone: config.timezone,
    postgresMajor: config.database.postgresMajor,
    imagesKept: config.backups.imagesKept,
    ...buckets,
    backupDatabaseUrlSecretArn: secrets.backupDatabaseUrl.arn,
    caCert: config.database.caCert,
    maxAgeHours: config.backups.maxAgeHours,
    keepYearly: config.backups.retention.yearlyDays !== undefined,
    objectLock: config.backups.objectLock,
    settings: { backup: taskSettings(fns.backup), drill: taskSettings(fns["backup-drill"]) },
    runner: config.backups.runner,
    fargate: config.backups.fargate,
  });

  // "Monitoring des performances": /api/health every minute; level 3 when down, level 2 when slow.
  const probe = new HealthProbe("health-probe", {
    app,
    base: taskBase,
    topics: paging.topics,
    appUrl: config.app.url,
    healthPath: config.app.healthPath,
    timeoutMs: config.thresholds.health.timeoutMs,
    p95LatencyMs: config.thresholds.health.p95LatencyMs,
    schedule: config.schedules.healthProbe,
    timezone: config.timezone,
    settings: taskSettings(fns["health-probe"]),
  });

  // "Vérifier les logs d'erreur" and "mode maintenance", when the app's Vercel is configured:
  // the log drain posts to the ingest function (made first: Vercel calls it when the drain is
  // created), and the Edge Config holds the flag the middleware reads.
  const settings = config.vercel;
  const vercel =
    settings &&
    new Vercel(app, {
      app,
      settings,
      drainSecret: drainSecret && {
        password: drainSecret,
        ref: secrets.ref("logDrainSecret")!,
        value: secrets.messagingVersion,
      },
      drainEndpoint: (drain) =>
        new LogIngest("log-ingest", {
          app,
          base,
          logsBucket: buckets.logsBucket,
          topics: paging.topics,
          verificationCode: drain.verificationCode,
          drainSecretArn: drain.secretArn,
          maxBodyBytes: settings.logDrain.maxBodyBytes,
          thresholds: settings.logThresholds,
          p95LatencyMs: config.thresholds.health.p95LatencyMs,
          reservedConcurrency: fns["log-ingest"].reservedConcurrency,
        }),
    });

  // "Rapports" and "Métriques : 2 ans": the daily export, its Athena table, the weekly report, the dashboard.
  const reports = new Reports(app, {
    app,
    base: taskBase,
    topics: paging.topics,
    logsBucket: buckets.logsBucket,
    schedules: { metricsExport: config.reports.metricsExport, weekly: config.reports.weekly },
    timezone: config.timezone,
    settings: { ...settingVariables(config).uptime, ...settingVariables(config).health },
    ses: config.reports.ses,
    recipientsSecretRef: secrets.ref("reportRecipients"),
    kmsKeyArn: storage.key.arn,
  });
  const archive = new MetricsArchive(`${app}-metrics`, { logsBucket: buckets.logsBucket, kmsKeyArn: storage.key.arn });
  // The backup and the drill are Lambda functions or Fargate tasks (backups.runner): both have a failure and a heartbeat alarm.
  const tasks = [
    ...Object.values(checklists.tasks),
    backups.backup,
    backups.drill,
    probe.task,
    reports.metricsExport,
    reports.weekly,
  ];
  const functions = tasks.filter((t): t is ScheduledTask => t instanceof ScheduledTask);
  new Dashboard(`${app}-maintenance`, {
    app,
    region: aws.getRegionOutput().region,
    tasks: tasks.map((t) => t.physicalName.slice(app.length + 1)),
    functionNames: functions.map((t) => t.function.fn.name),
    alarmArns: [
      probe.down.arn,
      probe.slow.arn,
      ...tasks.flatMap((t) => [
        "errors" in t.alarms ? t.alarms.errors.arn : t.alarms.failed.arn,
        ...(t.alarms.heartbeat ? [t.alarms.heartbeat.arn] : []),
      ]),
    ],
    links: config.reports.links,
  });

  return {
    kmsKeyArn: storage.key.arn,
    metricsDatabase: archive.database.name,
    metricsWorkgroup: archive.workgroup.name,
    ...(reports.dkimRecords ? { reportDkimRecords: reports.dkimRecords } : {}),
    logsBucket: storage.logs.bucket.bucket,
    backupsBucket: storage.backups.bucket.bucket,
    trailArn: storage.trail.arn,
    runtimeSecretArn: secrets.runtime.arn,
    messagingSecretArn: secrets.messaging.arn,
    incidentTopicArns: paging.topicArns(),
    checklistFunctions: {
      daily: checklists.tasks.daily.function.fn.name,
      weekly: checklists.tasks.weekly.function.fn.name,
      monthly: checklists.tasks.monthly.function.fn.name,
    },
    healthProbeFunction: probe.task.function.fn.name,
    smsFormatterFunction: sms.formatter.fn.name,
    ...backups.outputs(),
    backupImageUri: backups.image.uri,
    ...securityOutputs,
    ...(vercel ? { edgeConfigId: vercel.edgeConfig.id } : {}),
    ...(vercel?.drain ? { logIngestUrl: vercel.drain.endpoint.url.functionUrl } : {}),
  };
}
