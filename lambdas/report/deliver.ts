// Sending the weekly report: by e-mail through SES v2 (HTML body and its text version) when a
// sender is configured, else a short text with the report's key to the level-1 topic.
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { SendEmailCommand, type SESv2Client } from "@aws-sdk/client-sesv2";
import type { WeeklyReport } from "./index";

/** The plain-text version: the figures, the incidents and recommendations, where the page is. */
export function reportText(built: WeeklyReport, bucket: string): string {
  const r = built.report;
  const p95 = r.performance.latency.days.map((d) => d.p95).filter((v): v is number => v !== null);
  return [
    `Rapport de maintenance ${r.week} (${r.days[0]} → ${r.days[6]})`,
    `Disponibilité : ${r.uptimeDetail.minutesProbed ? `${r.uptime} %` : "pas de mesure"} (seuil ${r.uptimeDetail.warnBelowPercent} %)`,
    `p95 du pire jour : ${p95.length ? `${Math.max(...p95)} ms` : "—"} (seuil ${r.performance.latency.thresholdP95Ms} ms)`,
    `Incidents : ${r.incidents.length}`,
    ...r.incidents
      .slice(0, 10)
      .map(
        (i) =>
          `  - N${i.level} ${i.start} ${i.summary}${i.durationMinutes !== undefined ? ` (${i.durationMinutes} min)` : ""}`,
      ),
    `Recommandations : ${r.recommendations.length}`,
    ...r.recommendations.map((line) => `  - ${line}`),
    "",
    `Rapport complet : s3://${bucket}/${built.keys.html} (JSON : ${built.keys.json})`,
  ].join("\n");
}

export interface DeliveryTargets {
  /** SES sender and recipients; without them the level-1 topic gets the short text. */
  email?: { ses: SESv2Client; from: string; to: string[] };
  sns: SNSClient;
  level1TopicArn?: string;
}

export async function deliverReport(
  built: WeeklyReport,
  bucket: string,
  targets: DeliveryTargets,
): Promise<"email" | "topic" | "none"> {
  const subject = `Rapport de maintenance ${built.report.week} : disponibilité ${built.report.uptime} %, ${built.report.incidents.length} incident(s)`;
  const text = reportText(built, bucket);
  if (targets.email && targets.email.to.length) {
    await targets.email.ses.send(
      new SendEmailCommand({
        FromEmailAddress: targets.email.from,
        Destination: { ToAddresses: targets.email.to },
        Content: {
          Simple: {
            Subject: { Data: subject, Charset: "UTF-8" },
            Body: { Html: { Data: built.html, Charset: "UTF-8" }, Text: { Data: text, Charset: "UTF-8" } },
          },
        },
      }),
    );
    return "email";
  }
  if (!targets.level1TopicArn) return "none";
  // SNS subjects are ASCII-only, at most 100 characters.
  const ascii = subject
    .normalize("NFD")
    .replace(/[^\x20-\x7e]/g, "")
    .slice(0, 100);
  await targets.sns.send(new PublishCommand({ TopicArn: targets.level1TopicArn, Subject: ascii, Message: text }));
  return "topic";
}
