// Pages to phones: a page of each level (a check-list incident and a CloudWatch alarm message)
// through the real formatting code and the formatter; SNS and Secrets Manager are mocked
// (control plane). Every text is one GSM-7 segment naming the level, the app, what and when.
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { alarmDescription } from "../../infra/alarms";
import { SERVICE_DOWN, SLOW_RESPONSES } from "../../infra/runbooks";
import { buildIncident, incidentMessages } from "../../lambdas/checklist/incidents";
import { CHECKLISTS } from "../../lambdas/checklist/catalog";
import type { Level } from "../../lambdas/core/contract";
import { secretValue } from "../../lambdas/lib/secrets";
import { gsm7Length, SMS_MAX_CHARS, toGsm7 } from "../../lambdas/paging/sms";
import { PhoneRoutes, textPages } from "../../lambdas/paging/sms-formatter";

const TOPICS = {
  "1": "arn:aws:sns:eu-west-3:123456789012:l1",
  "2": "arn:aws:sns:eu-west-3:123456789012:l2",
  "3": "arn:aws:sns:eu-west-3:123456789012:l3",
};
const APP = "elegance-mobilite";
// 07:42 in Paris (UTC+1 in winter).
const AT = "2026-11-24T06:42:10.000Z";
const entry = (id: string) => CHECKLISTS.daily.find((e) => e.id === id)!;

const incident = (level: Level) =>
  buildIncident({
    appName: APP,
    list: "daily",
    check: entry("backups"),
    result: {
      id: "backups",
      title: entry("backups").title,
      status: "fail",
      summary: "le dernier backup complet a 31 h (maximum 26 h) ; sha-256 vérifié, taille à 48 % de la médiane",
      durationMs: 1200,
      details: { key: "daily/2026/11/23/postgres.dump.gz" },
    },
    level,
    at: new Date(AT),
  });

const alarm = (name: string, level: Level, problem: string, runbook: string[], state = "ALARM") =>
  JSON.stringify({
    AlarmName: name,
    AlarmDescription: alarmDescription(level, problem, runbook),
    AWSAccountId: "123456789012",
    NewStateValue: state,
    NewStateReason:
      "Threshold Crossed: 2 out of the last 3 datapoints [0.0 (24/11/26 06:41:00), 0.0 (24/11/26 06:40:00)] were less than the threshold (1.0).",
    StateChangeTime: "2026-11-24T06:42:10.123+0000",
    Region: "EU (Paris)",
    AlarmArn: `arn:aws:cloudwatch:eu-west-3:123456789012:alarm:${name}`,
    OldStateValue: "OK",
    Trigger: {
      MetricName: "Up",
      Namespace: "EleganceOps",
      Statistic: "MAXIMUM",
      Dimensions: [{ name: "App", value: APP }],
      Period: 60,
      EvaluationPeriods: 3,
      ComparisonOperator: "LessThanThreshold",
      Threshold: 1,
    },
  });

// The pages of the three levels, as the topics carry them to the formatter.
const PAGES: { level: Level; message: string; what: RegExp }[] = [
  { level: 1, message: incidentMessages(incident(1)).lambda, what: /backups en echec \(daily\): le dernier backup/ },
  {
    level: 2,
    message: alarm(
      `${APP}-app-slow`,
      2,
      "Performance dégradée : latence p95 de https://www.elegance-mobilite.fr/api/health au-dessus de 1500 ms depuis 10 minutes.",
      SLOW_RESPONSES,
    ),
    what: /Performance degradee/,
  },
  {
    level: 3,
    message: alarm(
      `${APP}-app-down`,
      3,
      "Service inaccessible : https://www.elegance-mobilite.fr/api/health ne répond pas sain (2 des 3 dernières minutes, ou la sonde elle-même ne rapporte plus).",
      SERVICE_DOWN,
    ),
    what: /Service inaccessible/,
  },
  { level: 3, message: incidentMessages(incident(3)).lambda, what: /backups en echec/ },
];

const PHONES: PhoneRoutes = {
  levels: { "1": [], "2": ["+33612345678", "+33634567890"], "3": ["+33612345678", "+33623456789", "+33634567890"] },
  database: { "2": ["+33623456789"] },
};

const sns = mockClient(SNSClient);
const secrets = mockClient(SecretsManagerClient);
beforeEach(() => {
  sns.reset().on(PublishCommand).resolves({ MessageId: "m" });
  secrets
    .reset()
    .on(GetSecretValueCommand)
    .resolves({ SecretString: JSON.stringify(PHONES) });
});

const deps = (runbookBaseUrl?: string) => ({
  topics: TOPICS,
  app: APP,
  phones: async () =>
    JSON.parse(
      await secretValue("arn:aws:secretsmanager:eu-west-3:123456789012:secret:elegance-mobilite/sms-phones"),
    ) as PhoneRoutes,
  sns: new SNSClient({ region: "eu-west-3" }),
  runbookBaseUrl,
  databaseAlarmPrefix: `${APP}-database-`,
});
const texts = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);

describe("SMS pages", () => {
  it.each(PAGES.map((p, i) => [i, p.level, p] as const))(
    "page %i (level %i) is one GSM-7 segment naming the level, the app, what and when",
    async (_i, level, page) => {
      for (const base of [undefined, "https://ops.elegance-mobilite.fr/rb"]) {
        sns.resetHistory();
        const sent = await textPages(
          { Records: [{ Sns: { TopicArn: TOPICS[String(level) as "1"], Message: page.message } }] },
          deps(base),
        );
        expect(sent).toBe(PHONES.levels[String(level)]!.length);
        for (const { Message, PhoneNumber, TopicArn, MessageAttributes } of texts()) {
          expect(TopicArn).toBeUndefined();
          expect(PHONES.levels[String(level)]).toContain(PhoneNumber);
          expect(MessageAttributes?.["AWS.SNS.SMS.SMSType"]?.StringValue).toBe("Transactional");
          const septets = gsm7Length(Message!);
          expect(septets).toBeDefined();
          expect(septets!).toBeLessThanOrEqual(SMS_MAX_CHARS);
          expect(Message).toMatch(new RegExp(`^N${level} ${APP}: `));
          expect(Message).toMatch(page.what);
          expect(Message).toContain("depuis 07:42");
          expect(Message).toMatch(
            base
              ? /runbook: https:\/\/ops\.elegance-mobilite\.fr\/rb\/(backups|app-slow|app-down)$/
              : /runbook: voir e-mail$/,
          );
        }
      }
    },
  );

  it("the incident's own SMS message (the topic's sms key) is the same text the formatter sends", async () => {
    await textPages(
      { Records: [{ Sns: { TopicArn: TOPICS["3"], Message: incidentMessages(incident(3)).lambda } }] },
      deps(),
    );
    expect(texts()[0].Message).toBe(incidentMessages(incident(3)).sms);
    expect(incidentMessages(incident(3)).email).toContain("Runbook:\n1. ");
  });

  it("an alarm back to OK says so; INSUFFICIENT_DATA texts nobody", async () => {
    await textPages(
      {
        Records: [
          {
            Sns: {
              TopicArn: TOPICS["3"],
              Message: alarm(`${APP}-app-down`, 3, "Service inaccessible : x.", SERVICE_DOWN, "OK"),
            },
          },
        ],
      },
      deps(),
    );
    expect(texts().map((t) => t.Message)).toEqual(
      Array(3).fill("N3 elegance-mobilite: RETABLI Service inaccessible a 07:42 - runbook: voir e-mail"),
    );
    sns.resetHistory();
    expect(
      await textPages(
        {
          Records: [
            { Sns: { TopicArn: TOPICS["3"], Message: alarm(`${APP}-app-down`, 3, "x", [], "INSUFFICIENT_DATA") } },
          ],
        },
        deps(),
      ),
    ).toBe(0);
    expect(texts()).toHaveLength(0);
  });

  it("the database's level-2 pages also reach the DBA's number, once per number", async () => {
    const db = alarm(`${APP}-database-connections`, 2, "Connexions : 95 % de max_connections.", ["psql"]);
    await textPages({ Records: [{ Sns: { TopicArn: TOPICS["2"], Message: db } }] }, deps());
    expect(
      texts()
        .map((t) => t.PhoneNumber)
        .sort(),
    ).toEqual(["+33612345678", "+33623456789", "+33634567890"]);
  });

  it("one refused number does not stop the others, and the invocation fails without naming the number", async () => {
    sns.on(PublishCommand, { PhoneNumber: "+33623456789" }).rejects(new Error("Invalid parameter: PhoneNumber"));
    const run = textPages({ Records: [{ Sns: { TopicArn: TOPICS["3"], Message: PAGES[2].message } }] }, deps());
    await expect(run).rejects.toThrow("SMS not sent (1): level 3 number #2: Invalid parameter: PhoneNumber");
    await expect(run).rejects.not.toThrow(/\+33/);
    expect(texts()).toHaveLength(3);
  });

  it("refuses a message from a topic that is not a paging topic", async () => {
    await expect(
      textPages(
        { Records: [{ Sns: { TopicArn: "arn:aws:sns:eu-west-3:123456789012:other", Message: PAGES[0].message } }] },
        deps(),
      ),
    ).rejects.toThrow("not a paging topic");
  });

  it("transliterates what GSM-7 cannot carry", () => {
    expect(toGsm7("Dégradée — « réponse » … œuvre")).toBe('Degradee - " reponse " ... ?uvre');
    expect(gsm7Length("N3 é")).toBe(4);
    expect(gsm7Length("N3 ê")).toBeUndefined();
  });
});
