// Optional: every page of the three level topics, forwarded to PagerDuty (Events API v2).
import { ENV } from "../core/contract";
import { forwardSnsEvent, SnsEvent } from "../pagerduty/events";
import { secretValue } from "../lib/secrets";

export const handler = async (event: SnsEvent): Promise<{ sent: number }> => {
  const secretArn = process.env[ENV.pagerdutyRoutingKeySecretArn];
  if (!secretArn) throw new Error(`${ENV.pagerdutyRoutingKeySecretArn} is not set`);
  const topics = JSON.parse(process.env[ENV.incidentTopics] ?? "{}") as Record<string, string>;
  const sent = await forwardSnsEvent(event, {
    topics,
    routingKey: () => secretValue(secretArn),
    url: process.env.PAGERDUTY_EVENTS_URL,
  });
  return { sent };
};
