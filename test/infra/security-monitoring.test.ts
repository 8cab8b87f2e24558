// The CIS monitoring controls on the trail's log group: every filter's pattern, its alarm's
// level, threshold and runbook, in the whole prod stack as `pulumi up` would build it.
import { alarmDescription } from "../../infra/alarms";
import {
  bucketPolicyChangesPattern,
  CIS_CONTROLS,
  PATTERNS,
  SECURITY_NAMESPACE,
  securityEventsRunbook,
  securityRunbook,
  TRAIL_QUERY,
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

  it("counts root use into its own metric and every other control into one shared metric, a burst of refused calls weighing as one change", () => {
    const filters = ofType(plan, FILTER);
    expect(filters).toHaveLength(CIS_CONTROLS.length);
    const weights = Object.fromEntries(
      CIS_CONTROLS.map((c) => [c.id, find(plan, FILTER, `${APP}-security-${c.id}-filter`).inputs.metricTransformation]),
    );
    expect(weights["root-account-use"]).toEqual({
      name: "RootAccountUse",
      namespace: SECURITY_NAMESPACE,
      value: "1",
      unit: "Count",
    });
    expect(weights["unauthorized-api-calls"]).toEqual({
      name: "SecurityEvents",
      namespace: SECURITY_NAMESPACE,
      value: "1",
      unit: "Count",
    });
    for (const id of Object.keys(weights).filter((id) => !["root-account-use", "unauthorized-api-calls"].includes(id)))
      expect({ id, ...weights[id] }).toEqual({
        id,
        name: "SecurityEvents",
        namespace: SECURITY_NAMESPACE,
        value: "10",
        unit: "Count",
      });
    // Two metrics in all: what the estimate prices (bin/cost-model.ts counts distinct filter metrics).
    expect(new Set(filters.map((f) => f.inputs.metricTransformation.name)).size).toBe(2);
  });
});

describe("the CIS alarms", () => {
  const securityAlarms = () => ofType(plan, ALARM).filter((a) => a.inputs.namespace === SECURITY_NAMESPACE);

  it.each([
    ["root-account-use", "RootAccountUse", 3, 1],
    ["events", "SecurityEvents", 2, 10],
  ])("%s (%s) pages level %i from a sum of %i in 5 minutes", (id, metric, level, threshold) => {
    const alarm = find(plan, ALARM, `${APP}-security-${id}`).inputs;
    expect(alarm).toMatchObject({
      name: `${APP}-security-${id}`,
      namespace: SECURITY_NAMESPACE,
      metricName: metric,
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
    });
    expect(alarm.alarmActions).toEqual([expect.stringMatching(new RegExp(`:${topicArn(level)}$`))]);
    expect(alarm.okActions).toEqual(alarm.alarmActions);
  });

  it("are two: root use alone at level 3, the eleven others in one level-2 alarm", () => {
    expect(
      securityAlarms()
        .map((a) => a.name)
        .sort(),
    ).toEqual([`${APP}-security-events`, `${APP}-security-root-account-use`]);
  });

  it("describe the level, the problem and a French runbook that fits whole", () => {
    const root = CIS_CONTROLS.find((c) => c.id === "root-account-use")!;
    const others = CIS_CONTROLS.filter((c) => c !== root);
    expect(find(plan, ALARM, `${APP}-security-root-account-use`).inputs.alarmDescription).toBe(
      alarmDescription(3, `${root.problem} (${root.cis})`, securityRunbook(root, LOG_GROUP)),
    );
    const shared: string = find(plan, ALARM, `${APP}-security-events`).inputs.alarmDescription;
    expect(shared).toMatch(
      /^Niveau 2 .*\(CIS 4\.1, 4\.2, 4\.4, 4\.5, 4\.7, 4\.8, 4\.10, 4\.11, 4\.12, 4\.13, 4\.14\)\./,
    );
    // The on-call learns which event from the trail: the runbook's query, and the list of what is watched.
    expect(shared).toContain(`Logs Insights sur ${LOG_GROUP}, fenêtre de l'alarme : ${TRAIL_QUERY}`);
    for (const control of others) expect(shared).toContain(control.id.replace(/-changes$/, ""));
    for (const [description, runbook] of [
      [shared, securityEventsRunbook(others, LOG_GROUP)],
      [find(plan, ALARM, `${APP}-security-root-account-use`).inputs.alarmDescription, securityRunbook(root, LOG_GROUP)],
    ] as const) {
      // Every runbook step made it under CloudWatch's 1024-character limit.
      expect(description).toContain(`\n${runbook.length}. `);
      expect(description.length).toBeLessThanOrEqual(1024);
    }
  });
});
