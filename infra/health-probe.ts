// "Monitoring des performances" / "curl -s /api/health": a probe every minute and the two
// alarms the guide's incident levels call for: the service is down (level 3), the service is
// slow (level 2, the guide's `notifyTeam('Performance dégradée')`).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DIMENSION, ENV, METRIC, METRICS_NAMESPACE } from "../lambdas/core/contract";
import { LevelTopics, levelAlarm } from "./alarms";
import type { StackConfig } from "./config";
import { ScheduledTask } from "./scheduled-task";
import { SERVICE_DOWN, SLOW_RESPONSES } from "./runbooks";
import type { Storage } from "./storage";

export interface HealthProbeArgs {
  config: StackConfig;
  storage: Storage;
  topics: LevelTopics;
}

export class HealthProbe extends pulumi.ComponentResource {
  readonly task: ScheduledTask;
  readonly down: aws.cloudwatch.MetricAlarm;
  readonly slow: aws.cloudwatch.MetricAlarm;

  constructor(name: string, args: HealthProbeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:health-probe:HealthProbe", name, {}, opts);
    const { config, storage, topics } = args;
    const app = config.app.name;
    const url = new URL(config.app.healthPath, config.app.url).toString();
    this.task = new ScheduledTask(
      name,
      {
        app,
        handler: "health-probe",
        schedule: config.schedules.healthProbe,
        timezone: config.timezone,
        description: `la sonde ${url}`,
        storage,
        topics,
        memorySize: 128,
        // The probe gives up after timeoutMs; the function gets a little more to report it.
        timeout: Math.ceil(config.thresholds.health.timeoutMs / 1000) + 5,
        environment: {
          [ENV.appUrl]: config.app.url,
          [ENV.healthPath]: config.app.healthPath,
          [ENV.healthTimeoutMs]: String(config.thresholds.health.timeoutMs),
        },
      },
      { parent: this },
    );
    const metric = (metricName: string) => ({ namespace: METRICS_NAMESPACE, metricName, dimensions: { [DIMENSION.app]: app } });
    this.down = levelAlarm(
      `${app}-app-down`,
      topics,
      {
        name: `${app}-app-down`,
        level: 3,
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
      },
      { parent: this },
    );
    this.slow = levelAlarm(
      `${app}-app-slow`,
      topics,
      {
        name: `${app}-app-slow`,
        level: 2,
        problem: `Performance dégradée : latence p95 de ${url} au-dessus de ${config.thresholds.health.p95LatencyMs} ms depuis 10 minutes.`,
        runbook: SLOW_RESPONSES,
        ...metric(METRIC.latency),
        extendedStatistic: "p95",
        period: 60,
        evaluationPeriods: 10,
        datapointsToAlarm: 10,
        threshold: config.thresholds.health.p95LatencyMs,
        comparisonOperator: "GreaterThanThreshold",
        // Missing latency means no answer: the level-3 alarm covers it.
        treatMissingData: "notBreaching",
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
