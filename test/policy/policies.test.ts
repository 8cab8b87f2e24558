// The policy pack over the prod plan: no violation; and each rule, on a plan broken on purpose,
// reports its violation with its message.
import { POLICIES } from "../../policy/policies";
import { planStack, type Plan, type PlannedResource } from "../support/pulumi";
import { evaluate } from "./evaluate";

jest.setTimeout(120_000);

let plan: Plan;
beforeAll(async () => {
  const { resources, outputs } = await planStack();
  plan = { resources, outputs };
});

const one = (p: Plan, type: string, name: string): PlannedResource => {
  const found = p.resources.find((r) => r.type.endsWith(type) && r.name === `elegance-mobilite-${name}`);
  if (!found) throw new Error(`no ${type} elegance-mobilite-${name}`);
  return found;
};
const policyDoc = (r: PlannedResource) => JSON.parse(r.inputs.policy);

/** Each rule: a change that breaks it, and what its message says. */
const BREAKS: Record<string, [(p: Plan) => void, RegExp]> = {
  "s3-bucket-sse-kms-stack-key": [
    (p) =>
      (one(
        p,
        ":BucketServerSideEncryptionConfiguration",
        "logs-encryption",
      ).inputs.rules[0].applyServerSideEncryptionByDefault = { sseAlgorithm: "AES256" }),
    /Bucket elegance-mobilite-logs: no SSE-KMS/,
  ],
  "s3-public-access-blocked": [
    (p) => (one(p, ":BucketPublicAccessBlock", "backups-public-access-block").inputs.restrictPublicBuckets = false),
    /backups: public access not blocked \(restrictPublicBuckets/,
  ],
  "s3-tls-only": [
    (p) => {
      const r = one(p, ":BucketPolicy", "security-logs-policy");
      const doc = policyDoc(r);
      doc.Statement = doc.Statement.filter((s: any) => s.Sid !== "DenyInsecureTransport");
      r.inputs.policy = JSON.stringify(doc);
    },
    /security-logs: no bucket policy statement denying aws:SecureTransport/,
  ],
  "s3-logs-lifecycle-guide": [
    (p) =>
      (one(p, ":BucketLifecycleConfiguration", "logs-lifecycle").inputs.rules.find(
        (r: any) => r.filter.prefix === "access/",
      ).expiration.days = 30),
    /access\/ expires after 30 days; the guide says 90/,
  ],
  "s3-backups-object-lock": [
    (p) => (one(p, ":Bucket", "backups").inputs.objectLockEnabled = false),
    /backups: Object Lock off/,
  ],
  "cloudtrail-log-file-validation": [
    (p) => (one(p, ":Trail", "trail").inputs.enableLogFileValidation = false),
    /enableLogFileValidation is not true/,
  ],
  "lambda-supported-runtime": [
    (p) => (one(p, ":Function", "health-probe").inputs.runtime = "nodejs18.x"),
    /runtime nodejs18.x is not one of/,
  ],
  "lambda-timeout": [
    (p) => delete one(p, ":Function", "daily-checklist").inputs.timeout,
    /timeout \(unset, 3 s default\)/,
  ],
  "lambda-log-group-kms-30-days": [
    (p) => (one(p, ":LogGroup", "weekly-checklist-logs").inputs.retentionInDays = 14),
    /weekly-checklist-logs keeps 14 days|weekly-checklist keeps 14 days/,
  ],
  "lambda-scheduled-on-failure-destination": [
    (p) => {
      p.resources = p.resources.filter(
        (r) => !(r.type.endsWith(":FunctionEventInvokeConfig") && r.name === "elegance-mobilite-backup-invoke-config"),
      );
    },
    /invoked by elegance-mobilite-backup-schedule but has no FunctionEventInvokeConfig/,
  ],
  "schedule-timezone-retry-dlq": [
    (p) => delete one(p, ":Schedule", "backup-schedule").inputs.target.deadLetterConfig,
    /no target.deadLetterConfig.arn/,
  ],
  "log-group-kms-retention": [
    (p) => delete one(p, ":LogGroup", "security-logs-trail-logs").inputs.kmsKeyId,
    /log group \/aws\/cloudtrail\/elegance-mobilite-security: no kmsKeyId/,
  ],
  "iam-no-wildcard-action": [
    (p) => {
      const r = one(p, ":RolePolicy", "backup-drill-policy");
      const doc = policyDoc(r);
      doc.Statement.push({ Sid: "Everything", Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::x/*" });
      r.inputs.policy = JSON.stringify(doc);
    },
    /statement Everything allows s3:\*: name the actions/,
  ],
  "iam-no-wildcard-resource": [
    (p) => {
      const r = one(p, ":RolePolicy", "weekly-checklist-policy");
      const doc = policyDoc(r);
      doc.Statement.find((s: any) => s.Sid === "ReadMetrics").Action = ["cloudwatch:GetMetricData", "s3:GetObject"];
      r.inputs.policy = JSON.stringify(doc);
    },
    /statement ReadMetrics allows s3:GetObject on Resource "\*"/,
  ],
  "alarm-one-level-topic": [
    (p) => {
      const a = one(p, ":MetricAlarm", "app-down");
      a.inputs.alarmActions = [...a.inputs.alarmActions, a.inputs.alarmActions[0].replace("level-3", "level-2")];
    },
    /app-down: alarmActions must be exactly one incidents-level-N topic/,
  ],
  "alarm-runbook": [
    (p) => {
      const a = one(p, ":MetricAlarm", "app-down");
      a.inputs.alarmDescription = a.inputs.alarmDescription.split("\nRunbook:")[0];
    },
    /alarm elegance-mobilite-app-down: description must start with "Niveau N"/,
  ],
  "no-plain-secrets": [
    (p) => {
      const fn = one(p, ":Function", "daily-checklist");
      fn.inputs.environment.variables.DATABASE_URL = "postgresql://postgres:hunter22@db.abcd.supabase.co:5432/postgres";
      fn.inputs.environment.variables.ONCALL = "+33612345678";
    },
    /environment.variables.DATABASE_URL: a URL with a password/,
  ],
  "sns-sqs-kms": [
    (p) => delete one(p, ":Queue", "dead-letters").inputs.kmsMasterKeyId,
    /Queue elegance-mobilite-dead-letters: no kmsMasterKeyId/,
  ],
  "secrets-manager-kms": [
    (p) => delete one(p, ":Secret", "runtime").inputs.kmsKeyId,
    /secret elegance-mobilite\/runtime: no kmsKeyId/,
  ],
  "kms-key-rotation": [
    (p) => (one(p, ":Key", "key").inputs.enableKeyRotation = false),
    /enableKeyRotation is not true/,
  ],
  "ecr-immutable-scanned-kms": [
    (p) => (one(p, ":Repository", "backup").inputs.imageTagMutability = "MUTABLE"),
    /imageTagMutability is not IMMUTABLE/,
  ],
};

test("the pack has at least 15 rules of ours, each with a breaking case here", () => {
  expect(POLICIES.length).toBeGreaterThanOrEqual(15);
  expect(Object.keys(BREAKS).sort()).toEqual(POLICIES.map((p) => p.name).sort());
});

test("the prod plan breaks no rule", async () => {
  expect(await evaluate(plan)).toEqual([]);
});

describe.each(POLICIES.map((p) => [p.name, p] as const))("%s", (name, policy) => {
  test("passes on the prod plan", async () => {
    expect(await evaluate(plan, [policy])).toEqual([]);
  });

  test("fails on a plan that breaks it, with its message", async () => {
    const broken = structuredClone(plan);
    const [breakIt, message] = BREAKS[name];
    breakIt(broken);
    const violations = await evaluate(broken, [policy]);
    expect(violations.map((v) => v.message)).toContainEqual(expect.stringMatching(message));
  });
});
