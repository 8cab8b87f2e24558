// Pages of the three level topics, as short texts to the phones of each level (e-mail stays on the topics).
import { SNSClient } from "@aws-sdk/client-sns";
import { ENV } from "../core/contract";
import { secretValue } from "../lib/secrets";
import { textPages, type PhoneRoutes, type SnsEvent } from "../paging/sms-formatter";

const sns = new SNSClient({});

export const handler = async (event: SnsEvent): Promise<{ sent: number }> => {
  const secretArn = process.env[ENV.smsPhonesSecretArn];
  if (!secretArn) throw new Error(`${ENV.smsPhonesSecretArn} is not set`);
  const sent = await textPages(event, {
    topics: JSON.parse(process.env[ENV.incidentTopics] ?? "{}") as Record<string, string>,
    app: process.env[ENV.appName] ?? "",
    phones: async () => JSON.parse(await secretValue(secretArn)) as PhoneRoutes,
    sns,
    runbookBaseUrl: process.env[ENV.runbookBaseUrl] || undefined,
    databaseAlarmPrefix: process.env[ENV.databaseAlarmPrefix] ?? "",
  });
  return { sent };
};
