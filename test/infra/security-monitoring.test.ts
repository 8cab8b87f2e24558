// The CIS monitoring controls on the trail's log group: every filter's pattern, its alarm's
// level, threshold and runbook, in the whole prod stack as `pulumi up` would build it.
import { alarmDescription } from "../../infra/alarms";
import {
  bucketPolicyChangesPattern,
  CIS_CONTROLS,
  PATTERNS,
  SECURITY_NAMESPACE,
  securityRunbook,
} from "../../infra/security-monitoring";
import { find, ofType, Plan, planStack } from "../support/pulumi";

const FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const APP = "elegance-mobilite";
const LOG_GROUP = `/aws/cloudtrail/${APP}-security`;

let plan: Plan;
beforeAll(async () => {
  plan = await planStack();
}, 120_000);

const topicArn = (level: number) => find(plan, "aws:sns/topic:Topic", `${APP}-incidents-level-${level}`).inputs.name;

describe("the CIS metric filters", () => {
  it.each([
    [
      "root-account-use",
      '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    ],
    [
      "console-sign-in-without-mfa",
      '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
    ],
    [
      "unauthorized-api-calls",
      '{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }',
    ],
    [
      "kms-key-disabled-or-deleted",
      "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }",
    ],
  ])("%s matches the benchmark's pattern", (id, pattern) => {
    const filter = find(plan, FILTER, `${APP}-security-${id}-filter`).inputs;
    expect(filter.pattern).toBe(pattern);
    expect(filter.logGroupName).toBe(LOG_GROUP);
  });

  it.each([
    [
      "iam-policy-changes",
      [
        "PutRolePolicy",
        "DeleteRolePolicy",
        "CreatePolicyVersion",
        "AttachRolePolicy",
        "DetachUserPolicy",
        "AttachGroupPolicy",
      ],
    ],
    ["cloudtrail-changes", ["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"]],
    [
      "security-group-changes",
      ["AuthorizeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup"],
    ],
    ["network-acl-changes", ["CreateNetworkAclEntry", "ReplaceNetworkAclAssociation"]],
    ["network-gateway-changes", ["AttachInternetGateway", "DeleteCustomerGateway"]],
    ["route-table-changes", ["CreateRoute", "DisassociateRouteTable"]],
    ["vpc-changes", ["CreateVpc", "ModifyVpcAttribute", "CreateVpcPeeringConnection"]],
  ])("%s matches any of its events", (id, events) => {
    const pattern: string = find(plan, FILTER, `${APP}-security-${id}-filter`).inputs.pattern;
    expect(pattern).toBe(PATTERNS[id as keyof typeof PATTERNS]);
    for (const event of events) expect(pattern).toContain(`($.eventName = ${event})`);
    expect(pattern).toMatch(/^\{ .* \}$/);
  });

  it("watches bucket policy, lifecycle, lock and replication changes on the stack's three buckets only", () => {
    const pattern: string = find(plan, FILTER, `${APP}-security-bucket-policy-changes-filter`).inputs.pattern;
    const buckets = ofType(plan, "aws:s3/bucket:Bucket").map((b) => b.name);
    // The Athena results bucket holds query results only (expiring in days): not watched.
    expect(buckets.sort()).toEqual([
      `${APP}-backups`,
      `${APP}-logs`,
      `${APP}-metrics-athena-results`,
      `${APP}-security-logs`,
    ]);
    for (const name of [plan.outputs.logsBucket, plan.outputs.backupsBucket])
      expect(pattern).toContain(`($.requestParameters.bucketName = "${name}")`);
    expect(pattern).toMatch(new RegExp(`bucketName = "${APP}-security-logs-`));
    for (const event of [
      "PutBucketPolicy",
      "DeleteBucketPolicy",
      "PutBucketLifecycle",
      "PutBucketReplication",
      "PutObjectLockConfiguration",
    ]) {
      expect(pattern).toContain(`($.eventName = ${event})`);
    }
    expect(pattern.startsWith("{ ($.eventSource = s3.amazonaws.com) && (")).toBe(true);
    // CloudWatch refuses filter patterns over 1024 characters.
    expect(pattern.length).toBeLessThanOrEqual(1024);
    expect(bucketPolicyChangesPattern(["a".repeat(63), "b".repeat(63), "c".repeat(63)]).length).toBeLessThanOrEqual(
      1024,
    );
  });

  it("counts each match as 1 in the security namespace, one filter per control", () => {
    const filters = ofType(plan, FILTER);
    expect(filters).toHaveLength(CIS_CONTROLS.length);
    for (const control of CIS_CONTROLS) {
      expect(find(plan, FILTER, `${APP}-security-${control.id}-filter`).inputs.metricTransformation).toEqual({
        name: control.metric,
        namespace: SECURITY_NAMESPACE,
        value: "1",
        unit: "Count",
      });
    }
  });
});

describe("the CIS alarms", () => {
  it.each([
    ["root-account-use", 3, 1],
    ["unauthorized-api-calls", 2, 10],
    ["console-sign-in-without-mfa", 2, 1],
    ["iam-policy-changes", 2, 1],
    ["cloudtrail-changes", 2, 1],
    ["kms-key-disabled-or-deleted", 2, 1],
    ["bucket-policy-changes", 2, 1],
    ["security-group-changes", 2, 1],
    ["network-acl-changes", 2, 1],
    ["network-gateway-changes", 2, 1],
    ["route-table-changes", 2, 1],
    ["vpc-changes", 2, 1],
  ])("%s pages level %i from %i event(s) in 5 minutes", (id, level, threshold) => {
    const alarm = find(plan, ALARM, `${APP}-security-${id}`).inputs;
    const control = CIS_CONTROLS.find((c) => c.id === id)!;
    expect(alarm).toMatchObject({
      name: `${APP}-security-${id}`,
      namespace: SECURITY_NAMESPACE,
      metricName: control.metric,
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
    });
    expect(alarm.alarmActions).toEqual([expect.stringMatching(new RegExp(`:${topicArn(level)}$`))]);
    expect(alarm.okActions).toEqual(alarm.alarmActions);
    expect(alarm.alarmDescription).toBe(
      alarmDescription(level as 1 | 2 | 3, `${control.problem} (${control.cis})`, securityRunbook(control, LOG_GROUP)),
    );
  });

  it("describe the level, the problem and a French runbook that fits whole", () => {
    for (const control of CIS_CONTROLS) {
      const description: string = find(plan, ALARM, `${APP}-security-${control.id}`).inputs.alarmDescription;
      expect(description).toMatch(/^Niveau [23] /);
      expect(description).toContain(`CloudWatch Logs Insights sur ${LOG_GROUP}`);
      // Every runbook step made it under CloudWatch's 1024-character limit.
      expect(description).toContain(`\n${securityRunbook(control, LOG_GROUP).length}. `);
      expect(description.length).toBeLessThanOrEqual(1024);
    }
  });
});
