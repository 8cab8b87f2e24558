// Texts under Pulumi mocks: the account's SMS preferences, the formatter between the topics
// and the phones (numbers only in Secrets Manager), its errors alarm, and who gets which level.
import { phoneRouteTable } from "../../infra/sms";
import { find, ofType, planStack, Plan } from "../support/pulumi";

let plan: Plan;
beforeAll(async () => {
  plan = await planStack();
});

const topicArn = (level: number) => `arn:aws:sns:eu-west-3:123456789012:elegance-mobilite-incidents-level-${level}`;

describe("SMS preferences", () => {
  it("Transactional, the configured spend limit, delivery status logged by a role only SNS assumes into 30-day KMS groups", () => {
    const prefs = ofType(plan, "aws:sns/smsPreferences:SmsPreferences");
    expect(prefs).toHaveLength(1);
    expect(prefs[0].inputs).toMatchObject({
      defaultSmsType: "Transactional",
      monthlySpendLimit: 1,
      deliveryStatusSuccessSamplingRate: "100",
      defaultSenderId: "ELEGANCE",
    });
    expect(prefs[0].inputs.deliveryStatusIamRoleArn).toMatch(
      /^arn:aws:iam::123456789012:role\/elegance-mobilite-sms-delivery-status-role/,
    );
    const trust = JSON.parse(
      find(plan, "aws:iam/role:Role", "elegance-mobilite-sms-delivery-status-role").inputs.assumeRolePolicy,
    );
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
      },
    ]);
    for (const [suffix, name] of [
      ["success", "DirectPublishToPhoneNumber"],
      ["failure", "DirectPublishToPhoneNumber/Failure"],
    ]) {
      expect(
        find(plan, "aws:cloudwatch/logGroup:LogGroup", `elegance-mobilite-sms-delivery-${suffix}-logs`).inputs,
      ).toMatchObject({
        name: `sns/eu-west-3/123456789012/${name}`,
        retentionInDays: 30,
        kmsKeyId: expect.stringMatching(/^arn:aws:kms:/),
      });
    }
    const policy = JSON.parse(
      find(plan, "aws:iam/rolePolicy:RolePolicy", "elegance-mobilite-sms-delivery-status-policy").inputs.policy,
    );
    for (const s of policy.Statement)
      for (const r of s.Resource)
        expect(r).toMatch(
          /^arn:aws:logs:eu-west-3:123456789012:log-group:sns\/eu-west-3\/123456789012\/DirectPublishToPhoneNumber(\/Failure)?:\*$/,
        );
  });

  it("takes the spend limit and sender from the config, and has no sender id unless set", async () => {
    const edited = await planStack((raw) => {
      raw["elegance-ops:paging"] = JSON.stringify({ sms: { monthlySpendLimitUsd: 25 } });
    });
    const prefs = ofType(edited, "aws:sns/smsPreferences:SmsPreferences")[0].inputs;
    expect(prefs.monthlySpendLimit).toBe(25);
    expect(prefs.defaultSenderId).toBeUndefined();
  });
});

describe("the SMS formatter", () => {
  it("is subscribed to the three topics, reads the numbers from its secret only, and may text phones but publish to no topic", () => {
    const fn = find(plan, "aws:lambda/function:Function", "elegance-mobilite-sms-formatter").inputs;
    expect(fn).toMatchObject({
      runtime: "nodejs24.x",
      architectures: ["arm64"],
      code: { archive: ["index.js", "index.js.map"] },
    });
    const env = fn.environment.variables;
    expect(env.SMS_PHONES_SECRET_ARN).toMatch(/secret:elegance-mobilite\/messaging#smsPhones$/);
    expect(env.DATABASE_ALARM_PREFIX).toBe("elegance-mobilite-database-");
    // Phone numbers are secrets: never in the environment.
    expect(JSON.stringify(env)).not.toMatch(/\+33|33612345678/);
    expect(find(plan, "aws:secretsmanager/secret:Secret", "elegance-mobilite-messaging").inputs).toMatchObject({
      kmsKeyId: expect.stringMatching(/^arn:aws:kms:/),
    });
    expect(
      find(plan, "aws:secretsmanager/secretVersion:SecretVersion", "elegance-mobilite-messaging-value").inputs
        .secretString,
    ).toBe("[secret]");

    const statements = JSON.parse(
      find(plan, "aws:iam/rolePolicy:RolePolicy", "elegance-mobilite-sms-formatter-policy").inputs.policy,
    ).Statement;
    expect(statements.find((s: { Sid: string }) => s.Sid === "ReadOwnSecrets").Resource).toEqual([
      env.SMS_PHONES_SECRET_ARN.split("#")[0],
    ]);
    expect(statements.find((s: { Sid: string }) => s.Sid === "TextPhonesOnly")).toEqual({
      Sid: "TextPhonesOnly",
      Effect: "Allow",
      Action: "sns:Publish",
      NotResource: "arn:aws:sns:*:*:*",
    });

    for (const level of [1, 2, 3]) {
      expect(
        find(plan, "aws:sns/topicSubscription:TopicSubscription", `elegance-mobilite-level-${level}-sms-formatter`)
          .inputs,
      ).toEqual({
        topic: topicArn(level),
        protocol: "lambda",
        endpoint: "arn:aws:lambda:eu-west-3:123456789012:function:elegance-mobilite-sms-formatter",
      });
      expect(
        find(plan, "aws:lambda/permission:Permission", `elegance-mobilite-sms-formatter-from-level-${level}`).inputs,
      ).toMatchObject({ principal: "sns.amazonaws.com", sourceArn: topicArn(level) });
    }
  });

  it("has its own errors alarm, paging level 2 (its e-mails still go out)", () => {
    const alarm = find(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", "elegance-mobilite-sms-formatter-errors").inputs;
    expect(alarm).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: "elegance-mobilite-sms-formatter" },
      alarmActions: [topicArn(2)],
    });
    expect(alarm.alarmDescription).toContain("les e-mails, eux, partent");
  });
});

describe("who is texted", () => {
  const contacts = [
    { role: "lead-dev", phone: "+33612345678" },
    { role: "dba", phone: "+33623456789" },
    { role: "devops", phone: "+33634567890" },
  ];
  const defaults = {
    level1: { email: ["lead-dev", "dba", "devops"], sms: [] },
    level2: { email: ["lead-dev", "devops"], sms: ["lead-dev", "devops"] },
    level3: { email: ["lead-dev", "dba", "devops"], sms: ["lead-dev", "dba", "devops"] },
    databaseLevel2: ["dba"],
  } as Parameters<typeof phoneRouteTable>[1];

  it("by default: nobody at level 1, lead-dev and devops at level 2 (the DBA for the database), everyone at level 3", () => {
    expect(phoneRouteTable(contacts, defaults)).toEqual({
      levels: { "1": [], "2": ["+33612345678", "+33634567890"], "3": ["+33612345678", "+33623456789", "+33634567890"] },
      database: { "2": ["+33623456789"] },
    });
  });

  it("follows the routes: devops texted at level 1, and a DBA already texted at level 2 is not listed twice", () => {
    const routes = {
      ...defaults,
      level1: { email: [], sms: ["devops"] },
      level2: { email: [], sms: ["dba"] },
    } as Parameters<typeof phoneRouteTable>[1];
    expect(phoneRouteTable(contacts, routes)).toMatchObject({
      levels: { "1": ["+33634567890"], "2": ["+33623456789"] },
      database: { "2": [] },
    });
  });
});
