// Pages forwarded to PagerDuty's Events API v2: a CloudWatch alarm state change or one of our
// incidents becomes a trigger (or a resolve when the alarm is back to OK), with the severity of
// its level and a dedup key per alarm, so PagerDuty groups repeats and closes what resolved.
import type { IncidentMessage, Level } from "../core/contract";

export const EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";
const SEVERITY: Record<Level, "critical" | "error" | "warning"> = { 3: "critical", 2: "error", 1: "warning" };

export interface AlarmNotification {
  AlarmName: string;
  AlarmArn?: string;
  AlarmDescription?: string;
  NewStateValue: "ALARM" | "OK" | "INSUFFICIENT_DATA";
  NewStateReason?: string;
  StateChangeTime?: string;
  Region?: string;
}

export interface PagerDutyEvent {
  routing_key: string;
  event_action: "trigger" | "resolve";
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: string;
    timestamp?: string;
    component?: string;
    group?: string;
    custom_details?: Record<string, unknown>;
  };
}

/** The event for one SNS message, or undefined when there is nothing to tell PagerDuty. */
export function toEvent(message: string, level: Level, routingKey: string): PagerDutyEvent | undefined {
  const body = JSON.parse(message) as Partial<AlarmNotification & IncidentMessage>;
  if (body.kind === "incident" && body.source === "elegance-ops") {
    const incident = body as IncidentMessage;
    return {
      routing_key: routingKey,
      event_action: "trigger",
      dedup_key: incident.dedupKey,
      payload: {
        summary: `[L${level}] ${incident.dedupKey}: ${incident.summary}`.slice(0, 1024),
        source: incident.dedupKey.split("/")[0],
        severity: SEVERITY[level],
        timestamp: incident.at,
        component: incident.domain,
        group: incident.checklist,
        custom_details: {
          status: incident.status,
          details: incident.details,
          runbook: incident.runbook,
          responseTime: incident.responseTime,
        },
      },
    };
  }
  if (!body.AlarmName || !body.NewStateValue)
    throw new Error("SNS message is neither a CloudWatch alarm nor an elegance-ops incident");
  // INSUFFICIENT_DATA says nothing about the service; the alarms that matter treat missing data as breaching.
  if (body.NewStateValue === "INSUFFICIENT_DATA") return undefined;
  const dedupKey = body.AlarmArn ?? body.AlarmName;
  if (body.NewStateValue === "OK") return { routing_key: routingKey, event_action: "resolve", dedup_key: dedupKey };
  return {
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key: dedupKey,
    payload: {
      summary: `[L${level}] ${body.AlarmName}: ${body.NewStateReason ?? "ALARM"}`.slice(0, 1024),
      source: body.AlarmArn ?? body.AlarmName,
      severity: SEVERITY[level],
      timestamp: body.StateChangeTime ? new Date(body.StateChangeTime).toISOString() : undefined,
      custom_details: { description: body.AlarmDescription, region: body.Region },
    },
  };
}

/** POSTs one event; retries 429 and 5xx with backoff; another 4xx is a bug worth failing on. */
export async function sendEvent(
  event: PagerDutyEvent,
  url = EVENTS_URL,
  attempts = 4,
  baseDelayMs = 500,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.ok) return;
    const text = await response.text();
    const retriable = response.status === 429 || response.status >= 500;
    if (!retriable || attempt >= attempts)
      throw new Error(`PagerDuty answered ${response.status} for ${event.dedup_key}: ${text.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, baseDelayMs * 2 ** (attempt - 1)));
  }
}

export interface SnsEvent {
  Records: { Sns: { TopicArn: string; Message: string } }[];
}

/** Forwards every record; the level comes from the topic the record came from. */
export async function forwardSnsEvent(
  event: SnsEvent,
  deps: { topics: Record<string, string>; routingKey: () => Promise<string>; url?: string; baseDelayMs?: number },
): Promise<number> {
  const levelOf = new Map(Object.entries(deps.topics).map(([level, arn]) => [arn, Number(level) as Level]));
  let sent = 0;
  for (const record of event.Records) {
    const level = levelOf.get(record.Sns.TopicArn);
    if (!level) throw new Error(`message from ${record.Sns.TopicArn}, which is not a paging topic`);
    const pdEvent = toEvent(record.Sns.Message, level, await deps.routingKey());
    if (!pdEvent) continue;
    await sendEvent(pdEvent, deps.url, 4, deps.baseDelayMs);
    sent++;
  }
  return sent;
}
