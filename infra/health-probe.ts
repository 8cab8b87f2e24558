// "Monitoring des performances" / "curl -s /api/health": a probe every minute and the two
// alarms the guide's incident levels call for: the service is down (level 3), the service is
// slow (level 2, the guide's `notifyTeam('Performance dégradée')`).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DIMENSION, ENV, Level, METRIC } from "../lambdas/core/contract";
import { LevelTopics, levelAlarm, p95Alarm, stackMetric } from "./alarms";
import { ScheduledTask, type TaskSettings } from "./scheduled-task";
import { SERVICE_DOWN, SLOW_RESPONSES } from "./runbooks";
import type { FunctionBase } from "./task-function";

export interface HealthProbeArgs {
  /** The app's name: prefixes the function and alarms, and is the metrics' `App` dimension. @example "elegance-mobilite" */
  app: string;
  base: FunctionBase;
  topics: LevelTopics;
  /** The app's https origin. @example "https://www.elegance-mobilite.fr" */
  appUrl: string;
  /** @example "/api/health" */
  healthPath: string;
  /** How long the probe waits for an answer before calling the app down. @example 5000 */
  timeoutMs: number;
  /** p95 latency (ms) above which, for 10 minutes, the app is slow. @example 1500 */
  p95LatencyMs: number;
  /** When it runs. @example "rate(1 minute)" */
  schedule: string;
  /** @example "Europe/Paris" */
  timezone: string;
  /** Retries of a failed run, opt-in reserved concurrency (`functions.health-probe`). @default { retries: 1 } */
  settings?: Pick<TaskSettings, "retries" | "reservedConcurrency">;
  /** Level of each alarm. @default { down: 3, slow: 2 } (the guide: inaccessible is level 3, degraded level 2) */
  levels?: Partial<Record<"down" | "slow", Level>>;
}

export class HealthProbe extends pulumi.ComponentResource {
  readonly task: ScheduledTask;
  readonly down: aws.cloudwatch.MetricAlarm;
  readonly slow: aws.cloudwatch.MetricAlarm;

  constructor(name: string, args: HealthProbeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:health-probe:HealthProbe", name, {}, opts);
    const { app, topics } = args;
    const levels = { down: 3, slow: 2, ...args.levels } as const;
    const url = new URL(args.healthPath, args.appUrl).toString();
    this.task = new ScheduledTask(
      name,
      {
        app,
        ...args.base,
        handler: "health-probe",
        schedule: args.schedule,
        timezone: args.timezone,
        description: `la sonde ${url}`,
        topics,
        memorySize: 128,
        // The probe gives up after timeoutMs; the function gets a little more to report it.
        timeout: Math.ceil(args.timeoutMs / 1000) + 5,
        retries: 1,
        ...args.settings,
        environment: {
          [ENV.appUrl]: args.appUrl,
          [ENV.healthPath]: args.healthPath,
          [ENV.healthTimeoutMs]: String(args.timeoutMs),
        },
      },
      { parent: this },
    );
    const target = { topics, opts: { parent: this } };
    const metric = (metricName: string) => stackMetric(metricName, { [DIMENSION.app]: app });
    this.down = levelAlarm(target, {
      name: `${app}-app-down`,
      level: levels.down,
      problem: `Service inaccessible : ${url} ne répond pas sain (2 des 3 dernières minutes, ou la sonde elle-même ne rapporte plus).`,
      runbook: SERVICE_DOWN,
      ...metric(METRIC.up),
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      // No probe data is no proof of life: silence counts as down.
      treatMissingData: "breaching",
    });
    this.slow = p95Alarm(
      target,
      {
        name: `${app}-app-slow`,
        level: levels.slow,
        problem: `Performance dégradée : latence p95 de ${url} au-dessus de ${args.p95LatencyMs} ms depuis 10 minutes.`,
        runbook: SLOW_RESPONSES,
      },
      metric(METRIC.latency),
      args.p95LatencyMs,
      { period: 60, periods: 10 },
    );
    this.registerOutputs({});
  }
}
