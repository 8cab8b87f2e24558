// What the plan costs per month at list price: the counts come from the synthesised resources
// (alarms, functions, schedules, keys, secrets, subscriptions, lifecycle rules), the volumes
// from the assumptions below. Pure: `npm run cost` prints it, test/cost pins it.
import type { Plan, PlannedResource } from "../infra/plan";
import { BUSINESS_METRIC, METRIC, METRICS_NAMESPACE } from "../lambdas/core/contract";

export const ASSUMPTIONS = {
  /** Database size; a pg_dump (custom format) gzips to about a quarter of it. */
  databaseGb: 2,
  dumpRatio: 0.25,
  /** Vercel logs delivered by the drain, raw NDJSON, half app lines and half requests; gzip keeps about 12 %. */
  vercelLogsGbPerDay: 1,
  logGzipRatio: 0.12,
  appLogShare: 0.5,
  /** Average drain delivery (Vercel caps a body at logDrain.maxBodyBytes, 1 MiB). */
  deliveryKiB: 256,
  /** Seconds per run, by function name (after the app's name); memory comes from the plan. */
  runSeconds: {
    "health-probe": 0.4,
    "daily-checklist": 30,
    "weekly-checklist": 60,
    "monthly-checklist": 300,
    backup: 120,
    "backup-drill": 300,
    "log-ingest": 0.3,
  } as Record<string, number>,
  /** Pages that reach people each month, per channel (each to every subscriber of its topic). */
  smsPagesPerMonth: 4,
  emailPagesPerMonth: 30,
  /** CloudTrail management events sent to CloudWatch Logs, and data events on backup objects. */
  trailLogsGbPerMonth: 0.5,
  trailDataEventsPerMonth: 600,
  /** The backup image (Node + pg_dump for arm64) and how many of its versions ECR keeps in practice. */
  imageGb: 0.35,
  imagesKept: 3,
  /** Secrets read per run (cached for 5 minutes in warm functions); KMS requests not covered by S3 bucket keys. */
  secretReadsPerRun: 1,
  kmsRequestsPerMonth: 15_000,
  /**
   * Hours a month in which a metric filter of the trail (no defaultValue) or a metric sent only on
   * a rare event (LogDeliveriesTooLarge) gets data: custom metrics are metered by the hour.
   */
  securityEventHoursPerMonth: 30,
  rareEventHoursPerMonth: 1,
  /** Hours a month in which the app logs an error line or answers a 5xx (a tenth of them). */
  appErrorHoursPerMonth: 73,
};
export type Assumptions = typeof ASSUMPTIONS;

export interface PriceTable {
  region: string;
  note: string;
  prices: Record<string, { usd: number; per: string; free: number; source: string; date: string; quote?: string }>;
}

export interface CostItem {
  service: string;
  item: string;
  quantity: number;
  /** Name of the price applied (`cloudwatch.alarm`); quantity is in its unit. */
  price: string;
  usd: number;
  /** After the always-free allowance. */
  usdAfterFree: number;
}

export const DAYS_PER_MONTH = 30.44;
/** Hours in the month CloudWatch prorates custom metrics over ("prorated by the hour", cost/prices). */
export const HOURS_PER_MONTH = 730;

/** Runs a month of an EventBridge Scheduler expression (the forms the program uses). */
export function runsPerMonth(expression: string): number {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate)
    return (
      (DAYS_PER_MONTH * 24 * 60) /
      (Number(rate[1]) * { minute: 1, hour: 60, day: 1440 }[rate[2].replace(/s$/, "") as "minute"])
    );
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+)(?: \S+)?\)$/.exec(expression);
  if (!cron) throw new Error(`schedule expression ${expression}: not a rate() or cron() the estimate knows`);
  const [, , , dom, , dow] = cron;
  if (dom !== "*" && dom !== "?") return 1;
  if (dow !== "*" && dow !== "?") return (DAYS_PER_MONTH / 7) * dow.split(",").length;
  return DAYS_PER_MONTH;
}

const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
const shortName = (fn: PlannedResource, app: string) => String(fn.inputs.name).replace(`${app}-`, "");

/** A custom metric's series and the hours a month it is sent in (metered by the hour, not by the month). */
export interface MetricSeries {
  name: string;
  series: number;
  hours: number;
}

/**
 * Custom metric series the code emits (lambdas/core/contract.ts METRIC and BUSINESS_METRIC × their
 * dimension values), plus the plan's metric filters, each with the hours a month it is sent in:
 * at most one per run of the function that emits it (its schedule), 730 for anything sent every hour.
 * A task's `Heartbeat` is only emitted outside Lambda (AWS/Lambda's free Invocations is the proof of
 * life there): one series per alarm on it, sent on each run of the task.
 */
export function customMetrics(plan: Plan, app: string, a: Assumptions = ASSUMPTIONS): MetricSeries[] {
  const fns = ofType(plan, "aws:lambda/function:Function").map((f) => shortName(f, app));
  const has = (n: string) => fns.includes(n);
  const schedules = new Map(
    ofType(plan, "aws:scheduler/schedule:Schedule").map((s) => [
      String(s.inputs.name).replace(`${app}-`, ""),
      runsPerMonth(s.inputs.scheduleExpression),
    ]),
  );
  const hoursOf = (fn: string) => Math.min(HOURS_PER_MONTH, schedules.get(fn) ?? HOURS_PER_MONTH);
  const alarms = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm");
  const filters = ofType(plan, "aws:cloudwatch/logMetricFilter:LogMetricFilter");
  // A filter with a defaultValue reports 0 in every hour with log traffic; without, only the hours with a match.
  const filterMetrics = new Map(
    filters.map((f) => [
      `${f.inputs.metricTransformation.namespace}/${f.inputs.metricTransformation.name}`,
      f.inputs.metricTransformation.defaultValue === undefined ? a.securityEventHoursPerMonth : HOURS_PER_MONTH,
    ]),
  );
  const heartbeats = alarms.filter(
    (x) => x.inputs.namespace === METRICS_NAMESPACE && x.inputs.metricName === METRIC.heartbeat,
  );
  return [
    { name: "Heartbeat (Task: tasks run outside Lambda)", series: heartbeats.length, hours: hoursOf("backup") },
    { name: "Up, Latency (App)", series: has("health-probe") ? 2 : 0, hours: hoursOf("health-probe") },
    { name: "BackupBytes, BackupSeconds (Task)", series: has("backup") ? 2 : 0, hours: hoursOf("backup") },
    { name: "DrillSeconds, DrillOk (Task)", series: has("backup-drill") ? 2 : 0, hours: hoursOf("backup-drill") },
    // Sent with every delivery, i.e. every hour.
    { name: "RequestDuration (App)", series: has("log-ingest") ? 1 : 0, hours: HOURS_PER_MONTH },
    // Sent only by a delivery that holds error lines or 5xx responses.
    {
      name: "LogErrorLines, Http5xxResponses (App)",
      series: has("log-ingest") ? 2 : 0,
      hours: a.appErrorHoursPerMonth,
    },
    // Sent only when a delivery is refused as too large.
    { name: "LogDeliveriesTooLarge (App)", series: has("log-ingest") ? 1 : 0, hours: a.rareEventHoursPerMonth },
    {
      name: "business metrics (App: daily list)",
      series: has("daily-checklist") ? Object.keys(BUSINESS_METRIC).length : 0,
      hours: hoursOf("daily-checklist"),
    },
    ...[...filterMetrics].map(([name, hours]) => ({ name: `metric filter ${name}`, series: 1, hours })),
  ].filter((m) => m.series > 0);
}

/** Metric-months billed: each series' hours over the month's 730. */
export const metricMonths = (metrics: MetricSeries[]) =>
  metrics.reduce((n, m) => n + (m.series * m.hours) / HOURS_PER_MONTH, 0);

/** Who a level-3 page texts, and in how many parts (the formatter's longest text, lambdas/paging/sms.ts). */
export interface SmsPaging {
  numbers: number;
  parts: number;
}

export function estimate(
  plan: Plan,
  app: string,
  table: PriceTable,
  sms: SmsPaging,
  a: Assumptions = ASSUMPTIONS,
): CostItem[] {
  // Free allowances are per account and month; apply each once, to the items of its price in order.
  const freeLeft = Object.fromEntries(Object.entries(table.prices).map(([k, p]) => [k, p.free]));
  const items: CostItem[] = [];
  const add = (service: string, item: string, quantity: number, price: string) => {
    const p = table.prices[price];
    if (!p) throw new Error(`no price "${price}" in the ${table.region} price table`);
    const free = Math.min(freeLeft[price], quantity);
    freeLeft[price] -= free;
    items.push({ service, item, quantity, price, usd: quantity * p.usd, usdAfterFree: (quantity - free) * p.usd });
  };

  add("CloudWatch", "alarms", ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm").length, "cloudwatch.alarm");
  add(
    "CloudWatch",
    "custom metrics (metric-hours / 730)",
    metricMonths(customMetrics(plan, app, a)),
    "cloudwatch.metric",
  );

  // Lambda: each scheduled function's runs, plus the ingest function's deliveries.
  const deliveriesPerMonth = (a.vercelLogsGbPerDay * 1024 * 1024 * DAYS_PER_MONTH) / a.deliveryKiB;
  const runs = new Map<string, number>();
  for (const s of ofType(plan, "aws:scheduler/schedule:Schedule"))
    runs.set(String(s.inputs.name).replace(`${app}-`, ""), runsPerMonth(s.inputs.scheduleExpression));
  const fns = ofType(plan, "aws:lambda/function:Function");
  if (fns.some((f) => shortName(f, app) === "log-ingest")) runs.set("log-ingest", deliveriesPerMonth);
  let requests = 0;
  let gbSeconds = 0;
  for (const fn of fns) {
    const name = shortName(fn, app);
    const n = runs.get(name) ?? 0;
    requests += n;
    gbSeconds += n * (a.runSeconds[name] ?? 1) * ((fn.inputs.memorySize ?? 128) / 1024);
  }
  add("Lambda", "requests (millions)", requests / 1e6, "lambda.requests");
  add("Lambda", "compute, arm64 (GB-s)", gbSeconds, "lambda.gbSecondsArm");
  add(
    "EventBridge Scheduler",
    "invocations (millions)",
    [...runs].filter(([n]) => n !== "log-ingest").reduce((t, [, n]) => t + n, 0) / 1e6,
    "scheduler.invocations",
  );

  add("KMS", "keys", ofType(plan, "aws:kms/key:Key").length, "kms.key");
  add("KMS", "requests (10,000)", a.kmsRequestsPerMonth / 1e4, "kms.requests");
  add("Secrets Manager", "secrets", ofType(plan, "aws:secretsmanager/secret:Secret").length, "secretsmanager.secret");
  const secretReads =
    [...runs]
      .filter(([n]) => n !== "health-probe")
      .reduce((t, [n, r]) => t + (n === "log-ingest" ? (DAYS_PER_MONTH * 24 * 60) / 5 : r), 0) * a.secretReadsPerRun;
  add("Secrets Manager", "API calls (10,000)", secretReads / 1e4, "secretsmanager.api");

  // S3 storage at steady state, from the lifecycle rules' ages (objects under 128 KiB never transition).
  const dumpGb = a.databaseGb * a.dumpRatio;
  const lifecycle = Object.fromEntries(
    ofType(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
      .flatMap((l) => l.inputs.rules)
      .map((r: any) => [r.filter?.tag?.value ?? r.filter?.prefix ?? r.id, r]),
  );
  const days = (key: string, fallback: number) => lifecycle[key]?.expiration?.days ?? fallback;
  const dailyKept = days("daily", 35);
  const monthlyKept = days("monthly", 365) / DAYS_PER_MONTH;
  const yearlyKept = lifecycle.yearly ? days("yearly", 1827) / 365 : 0;
  const tiered = (count: number, ageDays: number) => ({
    std: Math.min(count, 30 / ageDays),
    ia: Math.min(count, 90 / ageDays) - Math.min(count, 30 / ageDays),
    gir: Math.max(0, count - 90 / ageDays),
  });
  const monthly = tiered(monthlyKept, DAYS_PER_MONTH);
  const yearly = tiered(yearlyKept, 365);
  add("S3 backups", "Standard: daily dumps (GB)", dailyKept * dumpGb, "s3.standardGb");
  add("S3 backups", "monthly and yearly dumps, Standard (GB)", (monthly.std + yearly.std) * dumpGb, "s3.standardGb");
  add("S3 backups", "monthly and yearly dumps, Standard-IA (GB)", (monthly.ia + yearly.ia) * dumpGb, "s3.standardIaGb");
  add("S3 backups", "monthly and yearly dumps, Glacier IR (GB)", (monthly.gir + yearly.gir) * dumpGb, "s3.glacierIrGb");
  if (fns.some((f) => shortName(f, app) === "log-ingest")) {
    const gzGbPerDay = a.vercelLogsGbPerDay * a.logGzipRatio;
    add(
      "S3 logs",
      `app/ (${days("app/", 30)} d, Standard, GB)`,
      gzGbPerDay * a.appLogShare * days("app/", 30),
      "s3.standardGb",
    );
    add(
      "S3 logs",
      `access/ (${days("access/", 90)} d, Standard: objects < 128 KiB, GB)`,
      gzGbPerDay * (1 - a.appLogShare) * days("access/", 90),
      "s3.standardGb",
    );
    add("S3 logs", "PUT of the deliveries (1,000): app and access objects", (deliveriesPerMonth * 2) / 1000, "s3.put");
    add("S3 logs", "GET by the daily log check (1,000)", (deliveriesPerMonth * 2) / 1000, "s3.get");
  }
  add(
    "CloudTrail",
    "data events on backup objects (100,000)",
    a.trailDataEventsPerMonth / 1e5,
    "cloudtrail.dataEvents",
  );

  // Paging: the formatter texts each level-3 page to the level's numbers (no phone is subscribed
  // to a topic); e-mails go to every e-mail subscriber.
  const emailTo =
    ofType(plan, "aws:sns/topicSubscription:TopicSubscription").filter((s) => s.inputs.protocol === "email").length / 3;
  add(
    "SNS",
    `SMS to France: ${a.smsPagesPerMonth} level-3 pages × ${sms.numbers} numbers × ${sms.parts} part${sms.parts > 1 ? "s" : ""}`,
    a.smsPagesPerMonth * sms.numbers * sms.parts,
    "sns.smsFrancePart",
  );
  add("SNS", "e-mail notifications (100,000)", (a.emailPagesPerMonth * emailTo) / 1e5, "sns.email");

  add(
    "ECR",
    "backup image storage (GB)",
    a.imageGb * a.imagesKept * ofType(plan, "aws:ecr/repository:Repository").length,
    "ecr.storageGb",
  );
  const probeLogsGb = ((runs.get("health-probe") ?? 0) * 1.5) / 1024 / 1024; // ~1.5 KB of log and EMF a probe
  const ingestLogsGb = ((runs.get("log-ingest") ?? 0) * 1.5) / 1024 / 1024;
  add(
    "CloudWatch Logs",
    "ingestion: trail, probe, ingest, lists (GB)",
    a.trailLogsGbPerMonth + probeLogsGb + ingestLogsGb + 0.05,
    "cloudwatch.logsIngestGb",
  );
  return items;
}

export function totals(items: CostItem[]): { total: number; afterFree: number; largest: CostItem[] } {
  const sum = (f: (i: CostItem) => number) => items.reduce((t, i) => t + f(i), 0);
  return {
    total: sum((i) => i.usd),
    afterFree: sum((i) => i.usdAfterFree),
    largest: [...items].sort((x, y) => y.usdAfterFree - x.usdAfterFree).slice(0, 3),
  };
}
