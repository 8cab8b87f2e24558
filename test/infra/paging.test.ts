// Paging under Pulumi mocks: the three level topics, who is subscribed to what, and the rule
// that every alarm of the stack pages exactly one level with a page a person can act on.
import { LEVELS } from "../../lambdas/core/contract";
import { find, ofType, planStack, Plan } from "../support/pulumi";

let plan: Plan;
beforeAll(async () => {
  plan = await planStack();
});

const topicArn = (level: number) => `arn:aws:sns:eu-west-3:123456789012:elegance-mobilite-incidents-level-${level}`;
type Sub = { level: number; protocol: string; who: string; filter?: unknown };
const subscriptions = (p: Plan): Sub[] =>
  ofType(p, "aws:sns/topicSubscription:TopicSubscription")
    .map((s) => ({
      level: Number(s.inputs.topic.match(/level-(\d)$/)[1]),
      protocol: s.inputs.protocol,
      who: s.name.replace(/^elegance-mobilite-level-\d-(email|sms)-/, "").replace(/-\d+(-database)?$/, ""),
      ...(s.inputs.filterPolicy
        ? { filter: JSON.parse(s.inputs.filterPolicy), scope: s.inputs.filterPolicyScope }
        : {}),
    }))
    .sort((a, b) => a.level - b.level || a.protocol.localeCompare(b.protocol) || a.who.localeCompare(b.who));

describe("paging topics", () => {
  it("one per incident level, encrypted with the stack's key, that alarms of this account may publish to", () => {
    const topics = ofType(plan, "aws:sns/topic:Topic");
    expect(topics.map((t) => t.inputs.name)).toEqual([1, 2, 3].map((l) => `elegance-mobilite-incidents-level-${l}`));
    for (const t of topics) expect(t.inputs.kmsMasterKeyId).toMatch(/^arn:aws:kms:eu-west-3:123456789012:key\//);
    const policy = JSON.parse(
      find(plan, "aws:sns/topicPolicy:TopicPolicy", "elegance-mobilite-incidents-level-3-policy").inputs.policy,
    );
    expect(policy.Statement[0]).toEqual({
      Sid: "AlarmsOfThisAccountPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicArn(3),
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
    });
    const key = JSON.parse(find(plan, "aws:kms/key:Key", "elegance-mobilite-key").inputs.policy);
    expect(
      key.Statement.find((s: { Sid: string }) => s.Sid === "CloudWatchAlarmsPublishToEncryptedTopics"),
    ).toMatchObject({
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
    });
  });
});

describe("subscriptions follow the contacts and the routes", () => {
  const databaseOnly = { $or: [{ AlarmName: [{ prefix: "elegance-mobilite-database-" }] }, { domain: ["database"] }] };

  it("by default: level 1 e-mails everyone; level 2 the lead-dev and devops, the DBA for the database; level 3 everyone; no phone on a topic", () => {
    expect(subscriptions(plan).filter((s) => s.protocol === "email")).toEqual([
      { level: 1, protocol: "email", who: "camille-martin" },
      { level: 1, protocol: "email", who: "julien-moreau" },
      { level: 1, protocol: "email", who: "sophie-bernard" },
      { level: 2, protocol: "email", who: "camille-martin" },
      { level: 2, protocol: "email", who: "julien-moreau", filter: databaseOnly, scope: "MessageBody" },
      { level: 2, protocol: "email", who: "sophie-bernard" },
      { level: 3, protocol: "email", who: "camille-martin" },
      { level: 3, protocol: "email", who: "julien-moreau" },
      { level: 3, protocol: "email", who: "sophie-bernard" },
    ]);
    // Texts go through the SMS formatter (test/infra/sms.test.ts): CloudWatch's JSON is no SMS.
    expect(subscriptions(plan).filter((s) => s.protocol === "sms")).toEqual([]);
    // Endpoints are the contacts' secret e-mails.
    for (const s of ofType(plan, "aws:sns/topicSubscription:TopicSubscription").filter(
      (s) => s.inputs.protocol === "email",
    ))
      expect(s.inputs.endpoint).toBe("[secret]");
  });

  it("change with the config: a fourth contact e-mailed at level 3", async () => {
    const edited = await planStack((raw) => {
      const contacts = JSON.parse(raw["elegance-ops:contacts"]);
      contacts.push({
        name: "Léa Petit",
        role: "devops",
        email: "lea.petit@elegance-mobilite.fr",
        phone: "+33645678901",
      });
      raw["elegance-ops:contacts"] = JSON.stringify(contacts);
      raw["elegance-ops:paging"] = JSON.stringify({ level1: { email: ["lead-dev"], sms: ["devops"] } });
    });
    expect(subscriptions(edited).filter((s) => s.level === 1 && s.protocol === "email")).toEqual([
      { level: 1, protocol: "email", who: "camille-martin" },
    ]);
    expect(subscriptions(edited).filter((s) => s.level === 3 && s.protocol === "email")).toHaveLength(4);
  });
});

describe("every alarm of the stack", () => {
  const alarms = () => ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm");

  it("pages exactly one level's topic, on ALARM and back to OK", () => {
    expect(alarms().length).toBeGreaterThanOrEqual(14);
    for (const a of alarms()) {
      expect(a.inputs.alarmActions).toHaveLength(1);
      expect([topicArn(1), topicArn(2), topicArn(3)]).toContain(a.inputs.alarmActions[0]);
      expect(a.inputs.okActions).toEqual(a.inputs.alarmActions);
    }
  });

  it("says in its description the level, the response time, what is wrong and the runbook steps", () => {
    for (const a of alarms()) {
      const level = Number(a.inputs.alarmActions[0].slice(-1)) as 1 | 2 | 3;
      const d: string = a.inputs.alarmDescription;
      expect(d.length).toBeLessThanOrEqual(1024);
      expect(d.startsWith(`${LEVELS[level].name}, réponse ${LEVELS[level].responseTime}`)).toBe(true);
      expect(d).toMatch(/\nRunbook:\n1\. .+\n2\. /);
    }
    expect(
      find(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", "elegance-mobilite-app-down").inputs.alarmDescription,
    ).toContain("Mode maintenance");
    expect(
      find(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", "elegance-mobilite-daily-checklist-heartbeat").inputs
        .alarmDescription,
    ).toContain("npm run ops -- checklist run daily");
  });
});

describe("PagerDuty (optional)", () => {
  it("creates nothing of PagerDuty without a routing key", () => {
    expect(plan.resources.filter((r) => /pagerduty/.test(r.name))).toEqual([]);
  });

  it("with a routing key: a KMS secret, a forwarder reading only that secret, subscribed to the three topics, with its errors alarm", async () => {
    const edited = await planStack((raw) => {
      raw["elegance-ops:paging"] = JSON.stringify({ pagerdutyRoutingKey: "R0123456789abcdef0123456789abcde" });
    });
    // A key of the stack's messaging secret, there only when the routing key is configured.
    const secret = find(edited, "aws:secretsmanager/secret:Secret", "elegance-mobilite-messaging").inputs;
    expect(secret).toMatchObject({
      name: "elegance-mobilite/messaging",
      kmsKeyId: expect.stringMatching(/^arn:aws:kms:/),
    });
    expect(secret.description).toContain("pagerdutyRoutingKey");
    expect(
      find(edited, "aws:secretsmanager/secretVersion:SecretVersion", "elegance-mobilite-messaging-value").inputs
        .secretString,
    ).toBe("[secret]");

    const fn = find(edited, "aws:lambda/function:Function", "elegance-mobilite-pagerduty-forwarder").inputs;
    expect(fn).toMatchObject({ runtime: "nodejs24.x", architectures: ["arm64"] });
    expect(fn.environment.variables.PAGERDUTY_ROUTING_KEY_SECRET_ARN).toMatch(
      /secret:elegance-mobilite\/messaging#pagerdutyRoutingKey$/,
    );
    expect(JSON.stringify(fn.environment)).not.toContain("R0123456789abcdef0123456789abcde");
    const policy = JSON.parse(
      find(edited, "aws:iam/rolePolicy:RolePolicy", "elegance-mobilite-pagerduty-forwarder-policy").inputs.policy,
    );
    expect(policy.Statement.find((s: { Sid: string }) => s.Sid === "ReadOwnSecrets").Resource).toEqual([
      fn.environment.variables.PAGERDUTY_ROUTING_KEY_SECRET_ARN.split("#")[0],
    ]);

    for (const level of [1, 2, 3]) {
      expect(
        find(edited, "aws:sns/topicSubscription:TopicSubscription", `elegance-mobilite-level-${level}-pagerduty`)
          .inputs,
      ).toMatchObject({ topic: topicArn(level), protocol: "lambda" });
      expect(
        find(edited, "aws:lambda/permission:Permission", `elegance-mobilite-pagerduty-forwarder-from-level-${level}`)
          .inputs,
      ).toMatchObject({ principal: "sns.amazonaws.com", sourceArn: topicArn(level) });
    }
    expect(
      find(edited, "aws:cloudwatch/metricAlarm:MetricAlarm", "elegance-mobilite-pagerduty-forwarder-errors").inputs
        .alarmActions,
    ).toEqual([topicArn(2)]);
  });
});
