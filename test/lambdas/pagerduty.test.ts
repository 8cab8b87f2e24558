// The PagerDuty forwarder against a loopback server playing the Events API v2; the routing key
// comes from Secrets Manager (control plane, mocked).
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { forwardSnsEvent, SnsEvent } from "../../lambdas/pagerduty/events";
import { secretValue } from "../../lambdas/lib/secrets";
import { startHttpServer, TestServer } from "../support/http";

const TOPICS = {
  "1": "arn:aws:sns:eu-west-3:123456789012:l1",
  "2": "arn:aws:sns:eu-west-3:123456789012:l2",
  "3": "arn:aws:sns:eu-west-3:123456789012:l3",
};
const KEY = "R0123456789abcdef0123456789abcde";
const alarm = (state: string) =>
  JSON.stringify({
    AlarmName: "elegance-mobilite-app-down",
    AlarmArn: "arn:aws:cloudwatch:eu-west-3:123456789012:alarm:elegance-mobilite-app-down",
    AlarmDescription: "Niveau 3 …",
    NewStateValue: state,
    NewStateReason: "Threshold Crossed: 2 of 3 datapoints",
    StateChangeTime: "2026-11-24T10:00:00.000+0000",
  });
const sns = (topic: string, message: string): SnsEvent => ({
  Records: [{ Sns: { TopicArn: topic, Message: message } }],
});

let pd: TestServer;
let answers: number[] = [];
beforeAll(async () => {
  pd = await startHttpServer((_req, res) => {
    const status = answers.shift() ?? 202;
    res
      .writeHead(status, { "content-type": "application/json" })
      .end(status === 202 ? '{"status":"success"}' : '{"status":"invalid event","errors":["bad"]}');
  });
});
afterAll(() => pd.close());
beforeEach(() => {
  pd.requests.length = 0;
  answers = [];
});

const secrets = mockClient(SecretsManagerClient);
secrets.on(GetSecretValueCommand).resolves({ SecretString: KEY });
const deps = {
  topics: TOPICS,
  routingKey: () => secretValue("arn:aws:secretsmanager:eu-west-3:123456789012:secret:pd"),
  baseDelayMs: 1,
};

describe("forwardSnsEvent", () => {
  it("triggers a level-3 alarm as critical with the alarm's ARN as dedup key, and resolves it on OK", async () => {
    await forwardSnsEvent(sns(TOPICS["3"], alarm("ALARM")), { ...deps, url: pd.url });
    await forwardSnsEvent(sns(TOPICS["3"], alarm("OK")), { ...deps, url: pd.url });
    const [trigger, resolve] = pd.requests.map((r) => JSON.parse(r.body));
    expect(trigger).toMatchObject({
      routing_key: KEY,
      event_action: "trigger",
      dedup_key: "arn:aws:cloudwatch:eu-west-3:123456789012:alarm:elegance-mobilite-app-down",
      payload: {
        severity: "critical",
        summary: "[L3] elegance-mobilite-app-down: Threshold Crossed: 2 of 3 datapoints",
        timestamp: "2026-11-24T10:00:00.000Z",
      },
    });
    expect(resolve).toEqual({ routing_key: KEY, event_action: "resolve", dedup_key: trigger.dedup_key });
    expect(secrets.commandCalls(GetSecretValueCommand).length).toBe(1); // cached
  });

  it("forwards a check-list incident with its level's severity and its dedup key", async () => {
    const incident = {
      source: "elegance-ops",
      kind: "incident",
      level: 1,
      responseTime: "< 4 h",
      domain: "database",
      dedupKey: "elegance-mobilite/daily/database-reachable",
      checklist: "daily",
      check: "database-reachable",
      status: "warn",
      summary: "92% of max_connections",
      runbook: ["a"],
      at: "2026-11-24T06:00:00.000Z",
      page: "…",
    };
    await forwardSnsEvent(sns(TOPICS["1"], JSON.stringify(incident)), { ...deps, url: pd.url });
    expect(JSON.parse(pd.requests[0].body)).toMatchObject({
      event_action: "trigger",
      dedup_key: incident.dedupKey,
      payload: { severity: "warning", component: "database", group: "daily" },
    });
  });

  it("ignores INSUFFICIENT_DATA, retries a 500 and fails clearly on a 400", async () => {
    expect(await forwardSnsEvent(sns(TOPICS["2"], alarm("INSUFFICIENT_DATA")), { ...deps, url: pd.url })).toBe(0);
    expect(pd.requests).toHaveLength(0);
    answers = [500, 202];
    expect(await forwardSnsEvent(sns(TOPICS["2"], alarm("ALARM")), { ...deps, url: pd.url })).toBe(1);
    expect(pd.requests).toHaveLength(2);
    answers = [400];
    await expect(forwardSnsEvent(sns(TOPICS["2"], alarm("ALARM")), { ...deps, url: pd.url })).rejects.toThrow(
      /PagerDuty answered 400 for arn:aws:cloudwatch.*invalid event/,
    );
  });

  it("refuses a message from a topic that is not a paging topic", async () => {
    await expect(
      forwardSnsEvent(sns("arn:aws:sns:eu-west-3:123456789012:other", alarm("ALARM")), { ...deps, url: pd.url }),
    ).rejects.toThrow("not a paging topic");
  });
});
