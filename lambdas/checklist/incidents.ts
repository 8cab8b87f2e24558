// The check-list decides the level; paging decides who is woken. An incident is published to
// its level's SNS topic with one message per channel: the full page to e-mail, one short
// segment to SMS, the JSON to functions (the PagerDuty and SMS forwarders parse it; the DBA's
// subscriptions filter on its `domain`); locally it is printed instead.
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { IncidentMessage, LEVELS, Level } from "../core/contract";
import { incidentSms } from "../paging/sms";
import type { CatalogEntry } from "./catalog";
import type { RecordedResult } from "../core/check";

export interface IncidentSink {
  raise(incident: IncidentMessage): Promise<void>;
}

const MAX_DETAIL_CHARS = 1500;

/** The incident of one warn/fail result; `page` is the text a person reads. */
export function buildIncident(args: {
  appName: string;
  list: string;
  check: CatalogEntry;
  result: RecordedResult;
  level: Level;
  at: Date;
}): IncidentMessage {
  const { appName, list, check, result, level } = args;
  const info = LEVELS[level];
  const dedupKey = `${appName}/${list}/${check.id}`;
  const details = result.details === undefined ? "" : JSON.stringify(result.details, null, 2);
  const page = [
    `${info.name}, réponse ${info.responseTime} (${info.impact})`,
    `${appName} · check-list ${list} · ${check.title}`,
    `${result.status.toUpperCase()}: ${result.summary}`,
    ...(details ? ["", details.length > MAX_DETAIL_CHARS ? `${details.slice(0, MAX_DETAIL_CHARS)}…` : details] : []),
    "",
    "Runbook:",
    ...check.runbook.map((step, i) => `${i + 1}. ${step}`),
    "",
    `Clé : ${dedupKey} (guide : ${check.guide})`,
  ].join("\n");
  return {
    source: "elegance-ops",
    kind: "incident",
    level,
    responseTime: info.responseTime,
    domain: check.domain,
    dedupKey,
    checklist: list,
    check: check.id,
    status: result.status as "warn" | "fail",
    summary: result.summary,
    details: result.details,
    runbook: check.runbook,
    at: args.at.toISOString(),
    page,
  };
}

/** SNS subjects are ASCII, under 100 characters. */
export function subjectOf(incident: IncidentMessage): string {
  const ascii =
    `[L${incident.level} ${incident.responseTime.replace(/\s/g, "")}] ${incident.dedupKey}: ${incident.status}`
      .normalize("NFD")
      .replace(/[^\x20-\x7e]/g, "");
  return ascii.length > 99 ? `${ascii.slice(0, 98)}~` : ascii;
}

/**
 * The per-protocol messages of an incident (`MessageStructure: "json"`): `email` the page a
 * person reads, `sms` one GSM-7 segment, `lambda` and `default` (e-mail-json, https, SQS) the
 * JSON the forwarders parse as before.
 */
export function incidentMessages(
  incident: IncidentMessage,
  runbookBaseUrl?: string,
): { default: string; email: string; sms: string; lambda: string } {
  const json = JSON.stringify(incident);
  return { default: json, email: incident.page, sms: incidentSms(incident, runbookBaseUrl), lambda: json };
}

export class SnsIncidentSink implements IncidentSink {
  constructor(
    private readonly topics: Partial<Record<string, string>>,
    private readonly sns: SNSClient = new SNSClient({}),
    /** Base of the runbooks' short links in SMS (RUNBOOK_BASE_URL). */
    private readonly runbookBaseUrl?: string,
  ) {}

  async raise(incident: IncidentMessage): Promise<void> {
    const topic = this.topics[String(incident.level)];
    if (!topic) throw new Error(`no paging topic for level ${incident.level} in INCIDENT_TOPICS`);
    await this.sns.send(
      new PublishCommand({
        TopicArn: topic,
        Subject: subjectOf(incident),
        MessageStructure: "json",
        Message: JSON.stringify(incidentMessages(incident, this.runbookBaseUrl)),
      }),
    );
  }
}

/** Local runs: incidents are written for the operator (stderr, so --json stdout stays clean). */
export class TerminalIncidentSink implements IncidentSink {
  readonly raised: IncidentMessage[] = [];
  constructor(private readonly write: (text: string) => void = (t) => process.stderr.write(t)) {}

  async raise(incident: IncidentMessage): Promise<void> {
    this.raised.push(incident);
    this.write(`\n── incident ${subjectOf(incident)} ──\n${incident.page}\n`);
  }
}
