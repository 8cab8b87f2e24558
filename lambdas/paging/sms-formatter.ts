// Pages to phones. CloudWatch publishes its own long JSON to the level topics, which an SMS
// subscription would cut to nonsense; so no phone is subscribed to the topics: this function
// is, and it sends each page's short text (./sms.ts) to the numbers of that level by direct
// Publish. E-mail subscribers stay on the topics, so a failure here never silences e-mail.
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { IncidentMessage, Level } from "../core/contract";
import { alarmSms, incidentSms, type AlarmNotification } from "./sms";

/**
 * Who gets a text, per level (the Secrets Manager secret's JSON: phone numbers are secrets).
 * `database` adds numbers for the database's pages of a level (the DBA at level 2).
 * @example { "levels": { "2": ["+33612345678"], "3": ["+33612345678", "+33623456789"] }, "database": { "2": ["+33623456789"] } }
 */
export interface PhoneRoutes {
  levels: Partial<Record<string, string[]>>;
  database?: Partial<Record<string, string[]>>;
}

export interface SnsEvent {
  Records: { Sns: { TopicArn: string; Message: string } }[];
}

export interface FormatterDeps {
  /** `{"1": arn, "2": arn, "3": arn}` (INCIDENT_TOPICS). */
  topics: Record<string, string>;
  app: string;
  phones: () => Promise<PhoneRoutes>;
  sns: SNSClient;
  runbookBaseUrl?: string;
  /** Prefix of the database alarms (infra/paging.ts databaseAlarmPrefix). */
  databaseAlarmPrefix: string;
}

/** The text of one page, and whether it is about the database; undefined when there is nothing to say. */
export function pageText(
  message: string,
  level: Level,
  deps: Pick<FormatterDeps, "app" | "runbookBaseUrl" | "databaseAlarmPrefix">,
) {
  const body = JSON.parse(message) as Partial<AlarmNotification & IncidentMessage>;
  if (body.kind === "incident" && body.source === "elegance-ops") {
    const incident = body as IncidentMessage;
    return { text: incidentSms(incident, deps.runbookBaseUrl), database: incident.domain === "database" };
  }
  if (!body.AlarmName || !body.NewStateValue)
    throw new Error("SNS message is neither a CloudWatch alarm nor an elegance-ops incident");
  const text = alarmSms(body as AlarmNotification, level, deps.app, deps.runbookBaseUrl);
  return text === undefined ? undefined : { text, database: body.AlarmName.startsWith(deps.databaseAlarmPrefix) };
}

/**
 * Texts every page of the event to its level's numbers; returns how many SMS were sent.
 * One number refused does not stop the others: the failures are thrown together at the end,
 * so the invocation fails (its errors alarm pages) and SNS retries it.
 */
export async function textPages(event: SnsEvent, deps: FormatterDeps): Promise<number> {
  const levelOf = new Map(Object.entries(deps.topics).map(([level, arn]) => [arn, Number(level) as Level]));
  const routes = await deps.phones();
  const failures: string[] = [];
  let sent = 0;
  for (const record of event.Records) {
    const level = levelOf.get(record.Sns.TopicArn);
    if (!level) throw new Error(`message from ${record.Sns.TopicArn}, which is not a paging topic`);
    const page = pageText(record.Sns.Message, level, deps);
    if (!page) continue;
    const numbers = new Set([
      ...(routes.levels[String(level)] ?? []),
      ...(page.database ? (routes.database?.[String(level)] ?? []) : []),
    ]);
    for (const [i, phone] of [...numbers].entries()) {
      try {
        await deps.sns.send(
          new PublishCommand({
            PhoneNumber: phone,
            Message: page.text,
            MessageAttributes: { "AWS.SNS.SMS.SMSType": { DataType: "String", StringValue: "Transactional" } },
          }),
        );
        sent++;
      } catch (error) {
        // The number is a secret: name its position only.
        failures.push(`level ${level} number #${i + 1}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  if (failures.length) throw new Error(`SMS not sent (${failures.length}): ${failures.join("; ")}`);
  return sent;
}
