// The steps of the rehearsal, each the same code the Lambdas and the CLI run: the three
// check-lists (runChecklist), a backup (runBackup), the restore drill (runDrill) and the
// week's records; incidents are collected with who they would page, on which channel.
import { S3Client } from "@aws-sdk/client-s3";
import type { StackConfig } from "../../infra/config";
import { runBackup } from "../../lambdas/backup/dump";
import { runDrill } from "../../lambdas/backup/drill";
import type { Manifest } from "../../lambdas/backup/manifest";
import { CHECKLISTS, type ChecklistName } from "../../lambdas/checklist/catalog";
import { runChecklist } from "../../lambdas/checklist/engine";
import type { IncidentSink } from "../../lambdas/checklist/incidents";
import { writeDrillRecord } from "../../lambdas/checks/backup-drill";
import type { CheckResult, RunRecord } from "../../lambdas/core/check";
import { DRILL_RECORDS_PREFIX, RECORDS_PREFIX, type IncidentMessage } from "../../lambdas/core/contract";
import { mergeNeeds } from "../../lambdas/core/needs";
import { noMetrics } from "../../lambdas/core/metrics";
import { healthUrl, probeHealth } from "../../lambdas/health/probe";
import { listObjects } from "../../lambdas/lib/s3";
import { taskInputs } from "../ops/inputs";
import type { Sample } from "./stand-ins";

export interface Page {
  incident: IncidentMessage;
  /** Who it would reach: "e-mail: Camille Martin (lead-dev), …" and "SMS: …". */
  channels: string[];
}

export interface GuideContext {
  stack: StackConfig;
  env: NodeJS.ProcessEnv;
  s3: S3Client;
  databaseUrl: string;
  scratchUrl: string;
  appUrl: string;
  logsBucket: string;
  backupsBucket: string;
  samples: Sample[];
  pages: Page[];
}

/** The paging routes of the stack file: level → roles per channel (the DBA too for database level 2). */
export function channelsFor(stack: StackConfig, incident: IncidentMessage): string[] {
  const route = stack.paging[`level${incident.level}`];
  const extra = incident.level === 2 && incident.domain === "database" ? stack.paging.databaseLevel2 : [];
  const people = (roles: readonly string[]) =>
    stack.contacts.filter((c) => roles.includes(c.role) || extra.includes(c.role)).map((c) => `${c.name} (${c.role})`);
  const lines: string[] = [];
  const email = people(route.email);
  const sms = people(route.sms);
  if (email.length) lines.push(`e-mail : ${email.join(", ")}`);
  if (sms.length) lines.push(`SMS : ${sms.join(", ")}`);
  return lines;
}

class CollectingSink implements IncidentSink {
  constructor(private readonly ctx: GuideContext) {}
  async raise(incident: IncidentMessage): Promise<void> {
    this.ctx.pages.push({ incident, channels: channelsFor(this.ctx.stack, incident) });
  }
}

/** The probe the health-probe Lambda runs every minute, a few times: the samples the weekly uptime check reads. */
export async function probeApp(ctx: GuideContext, times: number): Promise<void> {
  const url = healthUrl(ctx.appUrl, ctx.stack.app.healthPath);
  for (let i = 0; i < times; i++) {
    const r = await probeHealth(url, 5_000);
    ctx.samples.push({ at: new Date(), up: r.up ? 1 : 0, latencyMs: r.latencyMs });
  }
}

export async function runList(ctx: GuideContext, list: ChecklistName): Promise<RunRecord> {
  const needs = mergeNeeds(CHECKLISTS[list].map((c) => c.needs)).inputs ?? [];
  const options = {
    databaseUrl: ctx.databaseUrl,
    logsBucket: ctx.logsBucket,
    backupsBucket: ctx.backupsBucket,
    appUrl: ctx.appUrl,
  };
  const inputs = taskInputs(needs, `${list}-checklist`, options, ctx.env);
  return runChecklist(list, { inputs, incidents: new CollectingSink(ctx), metrics: noMetrics, s3: ctx.s3 });
}

export async function backup(ctx: GuideContext, onProgress: (bytes: number) => void): Promise<Manifest> {
  const result = await runBackup({
    databaseUrl: ctx.databaseUrl,
    s3: ctx.s3,
    bucket: ctx.backupsBucket,
    timezone: ctx.stack.timezone,
    keepYearly: ctx.stack.backups.retention.yearlyDays !== undefined,
    onProgress,
    env: ctx.env,
  });
  if (!("manifest" in result)) throw new Error(`backup skipped: ${result.skipped}`);
  return result.manifest;
}

export async function drill(ctx: GuideContext): Promise<CheckResult & { recordKey: string }> {
  const started = new Date();
  const result = await runDrill({ s3: ctx.s3, bucket: ctx.backupsBucket, scratchUrl: ctx.scratchUrl, env: ctx.env });
  const recordKey = await writeDrillRecord(ctx.s3, ctx.logsBucket, result, started, { timezone: ctx.stack.timezone });
  return { ...result, recordKey };
}

/** The week's run records and drill records in the logs bucket, newest first. */
export async function weekRecords(ctx: GuideContext): Promise<{ key: string; at: Date }[]> {
  const since = Date.now() - 7 * 86_400_000;
  const objects = [
    ...(await listObjects(ctx.s3, ctx.logsBucket, RECORDS_PREFIX)),
    ...(await listObjects(ctx.s3, ctx.logsBucket, DRILL_RECORDS_PREFIX)),
  ];
  return objects
    .filter((o) => (o.LastModified?.getTime() ?? 0) >= since)
    .map((o) => ({ key: o.Key!, at: o.LastModified! }))
    .sort((a, b) => b.at.getTime() - a.at.getTime());
}
