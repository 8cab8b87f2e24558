// A Lambda of the stack with everything it always comes with: the bundled handler, its own
// least-privilege role, its 30-day encrypted log group. ScheduledTask builds on it; so do
// functions that are not scheduled.
import * as aws from "@pulumi/aws";
import type { SharedDeadLetters } from "./dead-letters";
import { secretArnOf } from "./secrets";
import * as pulumi from "@pulumi/pulumi";
import { LAMBDA_RUNTIME } from "../lambdas/core/contract";
import { bundle, bundleArchive } from "./bundle";
import { PolicyStatement, policyDocument } from "./storage/policies";
import { transform, type Transform } from "./transform";

/** Makes a function's log group (retention and key of the stack: Storage.logGroup). */
export type LogGroupFactory = (
  name: string,
  logGroupName: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
) => aws.cloudwatch.LogGroup;

/** What every function of the stack is built on. */
export interface FunctionBase {
  /** The stack's customer-managed key: it encrypts the logs, queues, topics and secrets functions touch. */
  kmsKeyArn: pulumi.Input<string>;
  /** Makes each function's log group. */
  logGroup: LogGroupFactory;
  /** The stack's one dead-letter queue and alarm; absent, each scheduled task makes its own. */
  deadLetters?: SharedDeadLetters;
}

export interface TaskFunctionArgs extends FunctionBase {
  /**
   * The handler: a file of lambdas/handlers/, without extension.
   * @example "daily-checklist"
   */
  handler: string;
  /**
   * Run from this container image instead of a zip bundle (for handlers that need programs,
   * e.g. pg_dump); the image holds the handler's bundle under `<handler>/index.js`.
   */
  imageUri?: pulumi.Input<string>;
  /** MB of /tmp. @default 512 */
  ephemeralStorageMb?: number;
  /** Physical function name. @example "elegance-mobilite-daily-checklist" */
  functionName: string;
  /** Non-secret environment; secrets are passed as Secrets Manager ARNs and read at run time. */
  environment?: Record<string, pulumi.Input<string>>;
  /** What the handler does in AWS, nothing more; no `*` action. */
  statements?: pulumi.Input<PolicyStatement[]>;
  /** Secrets the handler reads (GetSecretValue on exactly these). */
  secretArns?: pulumi.Input<string>[];
  /** @default 256 */
  memorySize?: number;
  /** Seconds. @default 60 */
  timeout?: number;
  /** At most this many runs at once; reserves that much of the account's concurrency. @default none */
  reservedConcurrency?: number;
  /** @default "arm64" (Graviton: cheaper per second, and what the backup image is built for) */
  architecture?: "arm64" | "x86_64";
  /** Overrides of the underlying resources. */
  transform?: {
    function?: Transform<aws.lambda.FunctionArgs>;
    role?: Transform<aws.iam.RoleArgs>;
    policy?: Transform<aws.iam.RolePolicyArgs>;
  };
}

export interface TaskFunction {
  role: aws.iam.Role;
  policy: aws.iam.RolePolicy;
  logGroup: aws.cloudwatch.LogGroup;
  fn: aws.lambda.Function;
  logGroupName: string;
}

export function createTaskFunction(name: string, args: TaskFunctionArgs, parent: pulumi.Resource): TaskFunction {
  const logGroupName = `/aws/lambda/${args.functionName}`;
  const logGroup = args.logGroup(name, logGroupName, { parent });
  const role = new aws.iam.Role(
    ...transform(
      args.transform?.role,
      `${name}-role`,
      {
        assumeRolePolicy: policyDocument([
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]),
      },
      { parent },
    ),
  );
  const policy = new aws.iam.RolePolicy(
    ...transform(
      args.transform?.policy,
      `${name}-policy`,
      {
        role: role.id,
        policy: ownPolicy({ ...args, logGroupArn: logGroup.arn }),
      },
      { parent },
    ),
  );
  const { sha256 } = bundle(args.handler);
  const code = args.imageUri
    ? { packageType: "Image", imageUri: args.imageUri, imageConfig: { commands: [`${args.handler}/index.handler`] } }
    : { runtime: LAMBDA_RUNTIME, handler: "index.handler", code: bundleArchive(args.handler) };
  const fn = new aws.lambda.Function(
    ...transform(
      args.transform?.function,
      name,
      {
        name: args.functionName,
        description: `elegance-ops: lambdas/handlers/${args.handler}.ts (bundle ${sha256.slice(0, 12)})`,
        architectures: [args.architecture ?? "arm64"],
        ...code,
        ...(args.ephemeralStorageMb ? { ephemeralStorage: { size: args.ephemeralStorageMb } } : {}),
        role: role.arn,
        memorySize: args.memorySize ?? 256,
        timeout: args.timeout ?? 60,
        ...(args.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: args.reservedConcurrency } : {}),
        loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
        // An image sets its own NODE_OPTIONS (the backup image tunes memory); a variable would override it.
        environment: {
          variables: { ...(args.imageUri ? {} : { NODE_OPTIONS: "--enable-source-maps" }), ...args.environment },
        },
      },
      { parent, dependsOn: [logGroup, policy] },
    ),
  );
  return { role, policy, logGroup, fn, logGroupName };
}

/** What a function or task's own role may do: write its logs (a Lambda), read its secrets, use the key, and its statements. */
export interface OwnPolicyArgs {
  /** The log group the role writes itself (a Lambda's; a Fargate task's logs go through its execution role). */
  logGroupArn?: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  statements?: pulumi.Input<PolicyStatement[]>;
  /** Secrets (or `<arn>#<key>` references) read at run time. */
  secretArns?: pulumi.Input<string>[];
}

/** The role policy of a Lambda (createTaskFunction) and of a Fargate task (FargateTask), built the same way. */
export function ownPolicy(args: OwnPolicyArgs): pulumi.Output<string> {
  return pulumi
    .all([args.logGroupArn, args.kmsKeyArn, pulumi.output(args.statements ?? []), pulumi.all(args.secretArns ?? [])])
    .apply(([logGroupArn, keyArn, statements, secretArns]) =>
      policyDocument([
        ...(logGroupArn
          ? [
              {
                Sid: "WriteOwnLogs",
                Effect: "Allow" as const,
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: `${logGroupArn}:*`,
              },
            ]
          : []),
        ...(secretArns.length
          ? [
              {
                Sid: "ReadOwnSecrets",
                Effect: "Allow" as const,
                Action: "secretsmanager:GetSecretValue",
                // A reference `<arn>#<key>` reads its secret: IAM has no narrower resource than it.
                Resource: [...new Set(secretArns.map(secretArnOf))],
              },
            ]
          : []),
        // The stack's key encrypts secrets, topics and buckets this function touches.
        { Sid: "UseStackKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: keyArn },
        ...statements,
      ]),
    );
}
