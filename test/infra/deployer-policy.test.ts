// Issue 19: the README named no permissions for the deploying identity. `npm run deployer-policy`
// derives them from the plan; here, on the prod stack's plan under mocks.
import { ACTIONS, deployerPolicy } from "../../bin/deployer-policy";
import { planStack, type Plan } from "../support/pulumi";

type Statement = { Sid: string; Action: string[] | string; Resource: string[] | string; Condition?: unknown };
const list = (v: string[] | string) => (Array.isArray(v) ? v : [v]);
const matches = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(value);

describe("deployer policy", () => {
  let plan: Plan;
  let app: string;
  beforeAll(async () => {
    const planned = await planStack();
    plan = planned;
    app = planned.config.app.name;
  }, 120_000);

  it("grants every AWS resource type of the plan, scoped to the app's names except the KMS key and SMS preferences", () => {
    const policy = deployerPolicy(plan, app);
    const statements = policy.Statement as Statement[];
    const awsTypes = [...new Set(plan.resources.map((r) => r.type))].filter(
      (t) => t.startsWith("aws:") || t.startsWith("docker-build:"),
    );
    expect(awsTypes.length).toBeGreaterThan(20);
    for (const type of awsTypes) expect(ACTIONS[type]).toBeDefined();
    // The KMS key (random id) and the account's SMS preferences have no name to scope to.
    for (const s of statements.filter((s) => !["Describe", "kmskey", "snssmsPreferences"].includes(s.Sid))) {
      for (const resource of list(s.Resource))
        // Glue's table and database actions also name the account's catalog.
        expect(
          ["arn:aws:kms:*:*:key/*", "arn:aws:glue:*:*:catalog"].includes(resource) ||
            resource.includes(app.replace(/-/g, "_")) ||
            resource.includes(app),
        ).toBe(true);
    }
    expect(statements.find((s) => s.Sid === "PassRole")).toMatchObject({
      Action: "iam:PassRole",
      Condition: {
        StringEquals: {
          "iam:PassedToService": ["lambda.amazonaws.com", "scheduler.amazonaws.com", "ecs-tasks.amazonaws.com"],
        },
      },
    });
  });

  it("the scoped patterns cover the names the stack gives its resources", () => {
    const scoped: Array<[string, (r: Plan["resources"][number]) => string]> = [
      [
        "aws:lambda/function:Function",
        (r) => `arn:aws:lambda:eu-west-3:123456789012:function:${r.inputs.name ?? r.name}`,
      ],
      ["aws:iam/role:Role", (r) => `arn:aws:iam::123456789012:role/${r.inputs.name ?? r.name}`],
      ["aws:sns/topic:Topic", (r) => `arn:aws:sns:eu-west-3:123456789012:${r.inputs.name ?? r.name}`],
      ["aws:s3/bucket:Bucket", (r) => `arn:aws:s3:::${r.inputs.bucket ?? r.name}`],
    ];
    for (const [type, arn] of scoped) {
      const patterns = ACTIONS[type].resources.map((p) => p.replace(/\{app\}/g, app));
      const resources = plan.resources.filter((r) => r.type === type);
      expect(resources.length).toBeGreaterThan(0);
      for (const r of resources)
        expect({ type, arn: arn(r), covered: patterns.some((p) => matches(p, arn(r))) }).toMatchObject({
          covered: true,
        });
    }
  });

  it("an AWS type the table does not know is an error naming it, never a policy that falls short", () => {
    const extra = {
      ...plan,
      resources: [...plan.resources, { type: "aws:rds/instance:Instance", name: `${app}-db`, inputs: {} }],
    };
    expect(() => deployerPolicy(plan, app)).not.toThrow();
    expect(() => deployerPolicy(extra, app)).toThrow(
      "no IAM actions known for aws:rds/instance:Instance: add them to ACTIONS in bin/deployer-policy.ts",
    );
  });
});
