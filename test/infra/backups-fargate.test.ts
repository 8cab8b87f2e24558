// backups.runner: fargate under Pulumi mocks: the same image as an ECS Fargate task from the same
// schedule (cluster, task definition, Scheduler RunTask target with its network), an egress-only
// security group, task and execution roles of least privilege, the stopped-task rule and its
// alarm at the task's level; the config's errors; and with the default (lambda) no ECS at all.
import { executionStatements } from "../../infra/backup/fargate";
import { stoppedPattern } from "../../infra/backup/fargate-paging";
import { find, ofType, planStack, Plan, problemsOf, prodRawConfig } from "../support/pulumi";

const B = "elegance-ops:backups";
const topicArn = (level: number) => `arn:aws:sns:eu-west-3:123456789012:elegance-mobilite-incidents-level-${level}`;
const withBackups = (edit: (b: any) => void) => (raw: Record<string, string>) => {
  const backups = JSON.parse(raw[B]);
  edit(backups);
  raw[B] = JSON.stringify(backups);
};
const onFargate = (fargate: object, runner: object = { backup: "fargate", drill: "fargate" }) =>
  withBackups((b) => Object.assign(b, { runner, fargate }));

let plan: Plan;
let lambdaPlan: Plan;
beforeAll(async () => {
  plan = await planStack(
    onFargate({
      subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
      cpu: 4096,
      memoryMb: 16384,
      ephemeralStorageGb: 150,
      maxRunMinutes: 180,
    }),
  );
  lambdaPlan = await planStack();
});

const inputs = (p: Plan, type: string, name: string) => find(p, type, name).inputs;
const policy = (p: Plan, name: string) =>
  JSON.parse(inputs(p, "aws:iam/rolePolicy:RolePolicy", name).policy).Statement as {
    Sid: string;
    Action: string | string[];
    Resource: string | string[];
    Condition?: any;
  }[];
const container = (p: Plan, family: string) =>
  JSON.parse(inputs(p, "aws:ecs/taskDefinition:TaskDefinition", family).containerDefinitions)[0];

describe("backups.runner: fargate", () => {
  it("runs the stack's image as an ARM64 Fargate task, sized from config, as a process", () => {
    const td = inputs(plan, "aws:ecs/taskDefinition:TaskDefinition", "elegance-mobilite-backup");
    expect(td).toMatchObject({
      family: "elegance-mobilite-backup",
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "4096",
      memory: "16384",
      ephemeralStorage: { sizeInGib: 150 },
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "ARM64" },
    });
    const c = container(plan, "elegance-mobilite-backup");
    // The very image the Lambda would run: the stack's build, by digest.
    expect(c.image).toBe(inputs(lambdaPlan, "aws:lambda/function:Function", "elegance-mobilite-backup").imageUri);
    expect(c.image).toMatch(
      /^123456789012\.dkr\.ecr\.eu-west-3\.amazonaws\.com\/elegance-mobilite-backup@sha256:[0-9a-f]{64}$/,
    );
    expect(c).toMatchObject({
      essential: true,
      entryPoint: ["node"],
      command: ["/var/task/backup/index.js"],
      user: "postgres",
      logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/elegance-mobilite-backup" } },
    });
    expect(container(plan, "elegance-mobilite-backup-drill").command).toEqual(["/var/task/backup-drill/index.js"]);
    // The Lambda's variables, the heartbeat's task name, the maximum run time; never a secret's value.
    const env = Object.fromEntries(c.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toMatchObject({
      TASK_NAME: "backup",
      APP_NAME: "elegance-mobilite",
      MAX_RUN_SECONDS: "10800",
      TIMEZONE: "Europe/Paris",
      BACKUPS_BUCKET: expect.stringMatching(/^elegance-mobilite-backups-/),
    });
    expect(env.BACKUP_DATABASE_URL_SECRET_ARN).toContain("secret:elegance-mobilite/backup-database-url");
    expect(JSON.stringify(c)).not.toMatch(/postgres(ql)?:\/\//);
    // No Lambda left for either task.
    expect(ofType(plan, "aws:lambda/function:Function").filter((f) => /backup/.test(f.name))).toEqual([]);
  });

  it("is started by the same schedule through an ECS RunTask target with its network configuration", () => {
    const schedule = inputs(plan, "aws:scheduler/schedule:Schedule", "elegance-mobilite-backup-schedule");
    const sg = find(plan, "aws:ec2/securityGroup:SecurityGroup", "elegance-mobilite-backups-tasks");
    expect(schedule).toMatchObject({
      name: "elegance-mobilite-backup",
      scheduleExpression: "cron(0 2 * * ? *)",
      scheduleExpressionTimezone: "Europe/Paris",
      flexibleTimeWindow: { mode: "OFF" },
    });
    expect(schedule.target).toMatchObject({
      arn: "arn:aws:ecs:eu-west-3:123456789012:cluster/elegance-mobilite-backups",
      deadLetterConfig: { arn: expect.stringContaining("elegance-mobilite-dead-letters") },
      ecsParameters: {
        taskDefinitionArn: "arn:aws:ecs:eu-west-3:123456789012:task-definition/elegance-mobilite-backup:1",
        launchType: "FARGATE",
        platformVersion: "1.4.0",
        taskCount: 1,
        propagateTags: "TASK_DEFINITION",
        enableEcsManagedTags: true,
        networkConfiguration: {
          subnets: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
          securityGroups: [expect.stringMatching(/^sg-/)],
          assignPublicIp: false,
        },
      },
    });
    expect(
      inputs(plan, "aws:scheduler/schedule:Schedule", "elegance-mobilite-backup-drill-schedule").scheduleExpression,
    ).toBe("cron(0 5 ? * MON *)");
    expect(inputs(plan, "aws:ecs/cluster:Cluster", "elegance-mobilite-backups").name).toBe("elegance-mobilite-backups");
    // No ingress; egress PostgreSQL and HTTPS only, in the subnets' VPC.
    expect(sg.inputs).toMatchObject({ vpcId: "vpc-0configured00000000", ingress: [] });
    expect(
      sg.inputs.egress.map((e: { protocol: string; fromPort: number; toPort: number }) => [
        e.protocol,
        e.fromPort,
        e.toPort,
      ]),
    ).toEqual([
      ["tcp", 5432, 5432],
      ["tcp", 443, 443],
    ]);
  });

  it("gives the task the Lambda role's statements and the execution role only the image and its log group", () => {
    const task = Object.fromEntries(policy(plan, "elegance-mobilite-backup-task-policy").map((s) => [s.Sid, s]));
    expect(Object.keys(task).sort()).toEqual([
      "CheckOwnUploads",
      "ListInterruptedUploads",
      "ReadOwnSecrets",
      "UseStackKey",
      "WriteBackups",
    ]);
    expect(task.ReadOwnSecrets.Resource).toEqual([
      expect.stringContaining("secret:elegance-mobilite/backup-database-url"),
    ]);
    const drill = policy(plan, "elegance-mobilite-backup-drill-task-policy")
      .map((s) => s.Sid)
      .sort();
    expect(drill).toEqual(["ListBackups", "ReadBackups", "UseStackKey", "WriteDrillRecords"]);
    const execution = policy(plan, "elegance-mobilite-backup-execution-policy");
    expect(execution).toEqual(
      executionStatements(
        "arn:aws:ecr:eu-west-3:123456789012:repository/elegance-mobilite-backup",
        "arn:aws:logs:eu-west-3:123456789012:log-group:/ecs/elegance-mobilite-backup",
      ),
    );
    // No "*" action anywhere; the one "*" resource is ECR's GetAuthorizationToken, which has no other.
    for (const name of ["task", "execution", "scheduler"].flatMap((r) => [
      `elegance-mobilite-backup-${r}-policy`,
      `elegance-mobilite-backup-drill-${r}-policy`,
    ])) {
      for (const s of policy(plan, name)) {
        expect([s.Action].flat().filter((a) => a.includes("*"))).toEqual([]);
        if ([s.Resource].flat().includes("*")) expect(s.Action).toBe("ecr:GetAuthorizationToken");
      }
    }
    const trust = JSON.parse(inputs(plan, "aws:iam/role:Role", "elegance-mobilite-backup-task-role").assumeRolePolicy)
      .Statement[0];
    expect(trust).toMatchObject({
      Principal: { Service: "ecs-tasks.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
    });
    const scheduler = Object.fromEntries(
      policy(plan, "elegance-mobilite-backup-scheduler-policy").map((s) => [s.Sid, s]),
    );
    expect(scheduler.RunTask).toMatchObject({
      Action: "ecs:RunTask",
      Resource: "arn:aws:ecs:eu-west-3:123456789012:task-definition/elegance-mobilite-backup:1",
    });
    expect(scheduler.PassTaskRoles.Resource).toHaveLength(2);
  });

  it("keeps its log group 30 days under the stack's key", () => {
    const group = ofType(plan, "aws:cloudwatch/logGroup:LogGroup").find(
      (g) => g.inputs.name === "/ecs/elegance-mobilite-backup",
    )!;
    expect(group.inputs).toMatchObject({ retentionInDays: 30, kmsKeyId: expect.stringMatching(/^arn:aws:kms:/) });
  });

  it("pages a stopped task at the task's level; heartbeat and dead letters as on Lambda", () => {
    const rule = inputs(plan, "aws:cloudwatch/eventRule:EventRule", "elegance-mobilite-backup-stopped");
    expect(JSON.parse(rule.eventPattern)).toEqual(
      JSON.parse(
        stoppedPattern(
          "arn:aws:ecs:eu-west-3:123456789012:cluster/elegance-mobilite-backups",
          "arn:aws:ecs:eu-west-3:123456789012:task-definition/elegance-mobilite-backup:1",
        ),
      ),
    );
    expect(JSON.parse(rule.eventPattern).detail).toMatchObject({
      lastStatus: ["STOPPED"],
      taskDefinitionArn: [{ prefix: "arn:aws:ecs:eu-west-3:123456789012:task-definition/elegance-mobilite-backup:" }],
      $or: [
        { containers: { exitCode: [{ "anything-but": 0 }] } },
        { stopCode: [{ "anything-but": "EssentialContainerExited" }] },
      ],
    });
    const alarm = (name: string) => inputs(plan, "aws:cloudwatch/metricAlarm:MetricAlarm", name);
    expect(alarm("elegance-mobilite-backup-failed")).toMatchObject({
      namespace: "AWS/Events",
      metricName: "TriggeredRules",
      dimensions: { RuleName: "elegance-mobilite-backup-stopped" },
      threshold: 1,
      alarmActions: [topicArn(2)],
    });
    expect(alarm("elegance-mobilite-backup-failed").alarmDescription).toContain("Code 124 : durée maximale (180 min");
    expect(alarm("elegance-mobilite-backup-drill-failed").alarmActions).toEqual([topicArn(1)]);
    // The same heartbeat alarm as the Lambda had, but that a Fargate task's proof of life is its Heartbeat
    // (a Lambda's is its free Invocations); the weekly drill has none on either (checklist-freshness pages).
    const {
      alarmDescription: _a,
      namespace,
      metricName,
      dimensions,
      ...onFargate
    } = alarm("elegance-mobilite-backup-heartbeat");
    const lambda = inputs(lambdaPlan, "aws:cloudwatch/metricAlarm:MetricAlarm", "elegance-mobilite-backup-heartbeat");
    const { alarmDescription: _b, namespace: _n, metricName: _m, dimensions: _d, ...onLambda } = lambda;
    expect(onFargate).toEqual(onLambda);
    expect({ namespace, metricName, dimensions }).toEqual({
      namespace: "EleganceOps",
      metricName: "Heartbeat",
      dimensions: { Task: "backup" },
    });
    for (const p of [plan, lambdaPlan])
      expect(ofType(p, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name)).not.toContain(
        "elegance-mobilite-backup-drill-heartbeat",
      );
    expect(inputs(plan, "aws:cloudwatch/eventTarget:EventTarget", "elegance-mobilite-backup-stopped").arn).toContain(
      "log-group:/aws/events/elegance-mobilite-backup-stopped",
    );
  });

  it("tells the daily check the runners' limits", () => {
    const daily = find(plan, "aws:lambda/function:Function", "elegance-mobilite-daily-checklist").inputs.environment
      .variables;
    expect(JSON.parse(daily.BACKUP_THRESHOLDS).runners).toEqual({
      backup: { runner: "fargate", limitSeconds: 10800 },
      drill: { runner: "fargate", limitSeconds: 10800 },
    });
  });

  it("per task, in the default VPC's subnets with a public IP, or in a named cluster", async () => {
    const other = await planStack(onFargate({ useDefaultVpc: true, cluster: "shared" }, { drill: "fargate" }));
    expect(ofType(other, "aws:ecs/cluster:Cluster")).toEqual([]);
    expect(find(other, "aws:lambda/function:Function", "elegance-mobilite-backup").inputs.timeout).toBe(900);
    const target = inputs(other, "aws:scheduler/schedule:Schedule", "elegance-mobilite-backup-drill-schedule").target;
    expect(target.arn).toBe("arn:aws:ecs:eu-west-3:123456789012:cluster/shared");
    expect(target.ecsParameters.networkConfiguration).toMatchObject({
      subnets: ["subnet-0default0000000a", "subnet-0default0000000b", "subnet-0default0000000c"],
      assignPublicIp: true,
    });
    expect(inputs(other, "aws:ec2/securityGroup:SecurityGroup", "elegance-mobilite-backups-tasks").vpcId).toBe(
      "vpc-0default0000000000",
    );
  });
});

describe("backups.runner: lambda (the default)", () => {
  it("makes no ECS, EC2 or EventBridge rule resource, and the daily check keeps its thresholds", () => {
    expect(
      lambdaPlan.resources.filter(
        (r) => /^aws:(ecs|ec2)\//.test(r.type) || r.type === "aws:cloudwatch/eventRule:EventRule",
      ),
    ).toEqual([]);
    expect(ofType(lambdaPlan, "aws:lambda/function:Function").filter((f) => /backup/.test(f.name))).toHaveLength(2);
    const daily = find(lambdaPlan, "aws:lambda/function:Function", "elegance-mobilite-daily-checklist").inputs
      .environment.variables;
    expect(JSON.parse(daily.BACKUP_THRESHOLDS)).not.toHaveProperty("runners");
  });
});

describe("backups.runner config errors", () => {
  const problems = (edit: (b: any) => void) => {
    const raw = prodRawConfig();
    withBackups(edit)(raw);
    return problemsOf(raw);
  };
  it.each([
    [
      "an unknown runner",
      (b: any) => (b.runner = { backup: "ec2" }),
      `${B}.runner.backup: "ec2" is not allowed; expected lambda or fargate`,
    ],
    [
      "fargate without a network",
      (b: any) => (b.runner = { drill: "fargate" }),
      `${B}.fargate.subnetIds: is missing: backups.runner.drill is fargate; set  pulumi config set --path 'backups.fargate.subnetIds[0]' subnet-0123456789abcdef0`,
    ],
    [
      "a cpu Fargate does not have",
      (b: any) => (b.fargate = { useDefaultVpc: true, cpu: 3072 }),
      `${B}.fargate.cpu: 3072 is not allowed; expected CPU units ECS Fargate accepts: 256, 512, 1024, 2048, 4096, 8192 or 16384`,
    ],
    [
      "a memory ECS refuses with that cpu",
      (b: any) => (b.fargate = { useDefaultVpc: true, cpu: 2048, memoryMb: 32768 }),
      `${B}.fargate.memoryMb: 32768 is not a memory ECS Fargate accepts with cpu 2048; expected 4096 to 16384 in steps of 1024`,
    ],
    [
      "16 vCPU off its 8 GiB steps",
      (b: any) => (b.fargate = { useDefaultVpc: true, cpu: 16384, memoryMb: 36864 }),
      "expected 32768 to 122880 in steps of 8192",
    ],
    [
      "more disk than Fargate gives",
      (b: any) => (b.fargate = { useDefaultVpc: true, ephemeralStorageGb: 250 }),
      `${B}.fargate.ephemeralStorageGb: 250 is too large; expected an integer number of GiB between 21 and 200`,
    ],
    [
      "both subnets and the default VPC",
      (b: any) => (b.fargate = { useDefaultVpc: true, subnetIds: ["subnet-0123456789abcdef0"] }),
      `${B}.fargate.useDefaultVpc: true is true but subnetIds are given too`,
    ],
    [
      "a subnet that is not an id",
      (b: any) => (b.fargate = { subnetIds: ["private-a"] }),
      `${B}.fargate.subnetIds[0]: "private-a" is not valid; expected a subnet id, e.g. subnet-0123456789abcdef0`,
    ],
  ])("%s: one message naming the key and the fix", (_, edit, message) => {
    const found = problems(edit);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it("accepts ECS's largest task: 16 vCPU, 120 GiB, 200 GiB of disk", () => {
    const raw = prodRawConfig();
    onFargate({ useDefaultVpc: true, cpu: 16384, memoryMb: 122880, ephemeralStorageGb: 200 })(raw);
    expect(() => problemsOf(raw)).toThrow("the config was accepted");
  });
});
