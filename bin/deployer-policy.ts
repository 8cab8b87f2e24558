// `npm run --silent deployer-policy`: the IAM policy the identity running `pulumi up` needs, from
// the plan itself: for each resource type the stack creates, the actions Pulumi calls on it,
// scoped to the stack's names (every name starts with app.name) where the type allows.
// SYNTH_CONFIG=<file> selects another stack file, as for synth. An AWS type missing from the
// table is an error naming it: the policy never silently falls short of the plan.
import { parseStackConfig } from "../infra/config";
import { readStackFile } from "../infra/config/stack-file";
import type { Plan } from "../infra/plan";
import { stackFile, synth } from "./synth";

interface Grant {
  actions: string[];
  /** ARN patterns; `{app}` is app.name. */
  resources: string[];
}

const S3 = "arn:aws:s3:::{app}-*";
const ROLE = "arn:aws:iam::*:role/{app}-*";
const tags = (service: string) => [
  `${service}:TagResource`,
  `${service}:UntagResource`,
  `${service}:ListTagsForResource`,
];

/** Per AWS resource type: what creating, reading, updating and deleting it calls. */
export const ACTIONS: Record<string, Grant> = {
  "aws:s3/bucket:Bucket": {
    actions: [
      "s3:CreateBucket",
      "s3:DeleteBucket",
      "s3:ListBucket",
      "s3:GetBucket*",
      "s3:PutBucketTagging",
      "s3:GetAccelerateConfiguration",
      "s3:GetReplicationConfiguration",
      "s3:GetLifecycleConfiguration",
      "s3:GetEncryptionConfiguration",
    ],
    resources: [S3],
  },
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {
    actions: ["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"],
    resources: [S3],
  },
  "aws:s3/bucketLogging:BucketLogging": { actions: ["s3:PutBucketLogging", "s3:GetBucketLogging"], resources: [S3] },
  "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": {
    actions: ["s3:PutBucketObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration"],
    resources: [S3],
  },
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": {
    actions: ["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"],
    resources: [S3],
  },
  "aws:s3/bucketPolicy:BucketPolicy": {
    actions: ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
    resources: [S3],
  },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
    actions: ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
    resources: [S3],
  },
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
    actions: ["s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"],
    resources: [S3],
  },
  "aws:s3/bucketVersioning:BucketVersioning": {
    actions: ["s3:PutBucketVersioning", "s3:GetBucketVersioning"],
    resources: [S3],
  },
  "aws:cloudtrail/trail:Trail": {
    actions: [
      "cloudtrail:CreateTrail",
      "cloudtrail:DeleteTrail",
      "cloudtrail:UpdateTrail",
      "cloudtrail:GetTrail",
      "cloudtrail:GetTrailStatus",
      "cloudtrail:StartLogging",
      "cloudtrail:StopLogging",
      "cloudtrail:PutEventSelectors",
      "cloudtrail:GetEventSelectors",
      "cloudtrail:AddTags",
      "cloudtrail:RemoveTags",
      "cloudtrail:ListTags",
    ],
    resources: ["arn:aws:cloudtrail:*:*:trail/{app}-*"],
  },
  "aws:cloudwatch/logGroup:LogGroup": {
    actions: [
      "logs:CreateLogGroup",
      "logs:DeleteLogGroup",
      "logs:PutRetentionPolicy",
      "logs:DeleteRetentionPolicy",
      "logs:AssociateKmsKey",
      "logs:DisassociateKmsKey",
      "logs:ListTagsLogGroup",
      "logs:TagLogGroup",
      "logs:UntagLogGroup",
      ...tags("logs"),
    ],
    resources: ["arn:aws:logs:*:*:log-group:*{app}*"],
  },
  "aws:cloudwatch/logMetricFilter:LogMetricFilter": {
    actions: ["logs:PutMetricFilter", "logs:DeleteMetricFilter"],
    resources: ["arn:aws:logs:*:*:log-group:*{app}*"],
  },
  "aws:cloudwatch/dashboard:Dashboard": {
    actions: ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"],
    resources: ["arn:aws:cloudwatch::*:dashboard/{app}-*"],
  },
  // Glue names take no dash: the metrics database is {app_}_metrics (app name with underscores).
  "aws:glue/catalogDatabase:CatalogDatabase": {
    actions: [
      "glue:CreateDatabase",
      "glue:GetDatabase",
      "glue:UpdateDatabase",
      "glue:DeleteDatabase",
      "glue:GetTags",
      "glue:TagResource",
      "glue:UntagResource",
    ],
    resources: ["arn:aws:glue:*:*:catalog", "arn:aws:glue:*:*:database/{app_}_*"],
  },
  "aws:glue/catalogTable:CatalogTable": {
    actions: ["glue:CreateTable", "glue:GetTable", "glue:UpdateTable", "glue:DeleteTable"],
    resources: ["arn:aws:glue:*:*:catalog", "arn:aws:glue:*:*:database/{app_}_*", "arn:aws:glue:*:*:table/{app_}_*/*"],
  },
  "aws:athena/workgroup:Workgroup": {
    actions: [
      "athena:CreateWorkGroup",
      "athena:GetWorkGroup",
      "athena:UpdateWorkGroup",
      "athena:DeleteWorkGroup",
      "athena:ListTagsForResource",
      "athena:TagResource",
      "athena:UntagResource",
    ],
    resources: ["arn:aws:athena:*:*:workgroup/{app}-*"],
  },
  "aws:sesv2/emailIdentity:EmailIdentity": {
    actions: [
      "ses:CreateEmailIdentity",
      "ses:GetEmailIdentity",
      "ses:DeleteEmailIdentity",
      "ses:PutEmailIdentityDkimSigningAttributes",
      "ses:TagResource",
      "ses:UntagResource",
    ],
    resources: ["arn:aws:ses:*:*:identity/*"],
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    actions: ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", ...tags("cloudwatch")],
    resources: ["arn:aws:cloudwatch:*:*:alarm:{app}-*"],
  },
  "aws:ecr/repository:Repository": {
    actions: [
      "ecr:CreateRepository",
      "ecr:DeleteRepository",
      "ecr:DescribeRepositories",
      "ecr:PutImageScanningConfiguration",
      "ecr:PutImageTagMutability",
      "ecr:GetRepositoryPolicy",
      ...tags("ecr"),
    ],
    resources: ["arn:aws:ecr:*:*:repository/{app}-*"],
  },
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": {
    actions: ["ecr:PutLifecyclePolicy", "ecr:GetLifecyclePolicy", "ecr:DeleteLifecyclePolicy"],
    resources: ["arn:aws:ecr:*:*:repository/{app}-*"],
  },
  // The image build pushes to the repository.
  "docker-build:index:Image": {
    actions: [
      "ecr:BatchCheckLayerAvailability",
      "ecr:InitiateLayerUpload",
      "ecr:UploadLayerPart",
      "ecr:CompleteLayerUpload",
      "ecr:PutImage",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
      "ecr:DescribeImages",
    ],
    resources: ["arn:aws:ecr:*:*:repository/{app}-*"],
  },
  "aws:iam/role:Role": {
    actions: [
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:GetRole",
      "iam:UpdateRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:ListRolePolicies",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
    ],
    resources: [ROLE],
  },
  "aws:iam/rolePolicy:RolePolicy": {
    actions: ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"],
    resources: [ROLE],
  },
  // Key ids are random: the key itself cannot be scoped by name, its alias can.
  "aws:kms/key:Key": {
    actions: [
      "kms:CreateKey",
      "kms:DescribeKey",
      "kms:GetKeyPolicy",
      "kms:PutKeyPolicy",
      "kms:EnableKeyRotation",
      "kms:GetKeyRotationStatus",
      "kms:ScheduleKeyDeletion",
      "kms:ListResourceTags",
      "kms:TagResource",
      "kms:UntagResource",
    ],
    resources: ["*"],
  },
  "aws:kms/alias:Alias": {
    actions: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias", "kms:ListAliases"],
    resources: ["arn:aws:kms:*:*:alias/{app}*", "arn:aws:kms:*:*:key/*"],
  },
  "aws:lambda/function:Function": {
    actions: [
      "lambda:CreateFunction",
      "lambda:DeleteFunction",
      "lambda:GetFunction",
      "lambda:GetFunctionConfiguration",
      "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration",
      "lambda:ListVersionsByFunction",
      "lambda:GetFunctionCodeSigningConfig",
      "lambda:PutFunctionConcurrency",
      "lambda:DeleteFunctionConcurrency",
      "lambda:GetPolicy",
      "lambda:ListTags",
      "lambda:TagResource",
      "lambda:UntagResource",
    ],
    resources: ["arn:aws:lambda:*:*:function:{app}-*"],
  },
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": {
    actions: [
      "lambda:PutFunctionEventInvokeConfig",
      "lambda:UpdateFunctionEventInvokeConfig",
      "lambda:GetFunctionEventInvokeConfig",
      "lambda:DeleteFunctionEventInvokeConfig",
    ],
    resources: ["arn:aws:lambda:*:*:function:{app}-*"],
  },
  "aws:lambda/functionUrl:FunctionUrl": {
    actions: [
      "lambda:CreateFunctionUrlConfig",
      "lambda:UpdateFunctionUrlConfig",
      "lambda:GetFunctionUrlConfig",
      "lambda:DeleteFunctionUrlConfig",
    ],
    resources: ["arn:aws:lambda:*:*:function:{app}-*"],
  },
  "aws:lambda/permission:Permission": {
    actions: ["lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy"],
    resources: ["arn:aws:lambda:*:*:function:{app}-*"],
  },
  // Account-wide SMS settings: no resource to scope to.
  "aws:sns/smsPreferences:SmsPreferences": {
    actions: ["sns:SetSMSAttributes", "sns:GetSMSAttributes"],
    resources: ["*"],
  },
  "aws:scheduler/schedule:Schedule": {
    actions: [
      "scheduler:CreateSchedule",
      "scheduler:UpdateSchedule",
      "scheduler:DeleteSchedule",
      "scheduler:GetSchedule",
      ...tags("scheduler"),
    ],
    resources: ["arn:aws:scheduler:*:*:schedule/*/{app}-*"],
  },
  "aws:secretsmanager/secret:Secret": {
    actions: [
      "secretsmanager:CreateSecret",
      "secretsmanager:DeleteSecret",
      "secretsmanager:DescribeSecret",
      "secretsmanager:UpdateSecret",
      "secretsmanager:GetResourcePolicy",
      "secretsmanager:TagResource",
      "secretsmanager:UntagResource",
    ],
    resources: ["arn:aws:secretsmanager:*:*:secret:{app}/*"],
  },
  "aws:secretsmanager/secretVersion:SecretVersion": {
    actions: [
      "secretsmanager:PutSecretValue",
      "secretsmanager:GetSecretValue",
      "secretsmanager:UpdateSecretVersionStage",
    ],
    resources: ["arn:aws:secretsmanager:*:*:secret:{app}/*"],
  },
  "aws:sns/topic:Topic": {
    actions: ["sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", ...tags("sns")],
    resources: ["arn:aws:sns:*:*:{app}-*"],
  },
  "aws:sns/topicPolicy:TopicPolicy": {
    actions: ["sns:SetTopicAttributes", "sns:GetTopicAttributes"],
    resources: ["arn:aws:sns:*:*:{app}-*"],
  },
  "aws:sns/topicSubscription:TopicSubscription": {
    actions: [
      "sns:Subscribe",
      "sns:Unsubscribe",
      "sns:GetSubscriptionAttributes",
      "sns:SetSubscriptionAttributes",
      "sns:ListSubscriptionsByTopic",
    ],
    resources: ["arn:aws:sns:*:*:{app}-*"],
  },
  "aws:sqs/queue:Queue": {
    actions: [
      "sqs:CreateQueue",
      "sqs:DeleteQueue",
      "sqs:GetQueueAttributes",
      "sqs:SetQueueAttributes",
      "sqs:TagQueue",
      "sqs:UntagQueue",
      "sqs:ListQueueTags",
    ],
    resources: ["arn:aws:sqs:*:*:{app}-*"],
  },
};

/** Types that call no AWS API: the program's components and other providers. */
const NOT_AWS = /^(elegance-ops:|pulumi:|postgresql:|random:|vercel:)/;

/** Reads that take no resource ARN; and handing the stack's roles to Lambda and Scheduler. */
const ALWAYS = [
  {
    Sid: "Describe",
    Effect: "Allow",
    Action: [
      "cloudtrail:DescribeTrails",
      "logs:DescribeLogGroups",
      "logs:DescribeMetricFilters",
      "cloudwatch:DescribeAlarms",
      "ecr:GetAuthorizationToken",
      "sts:GetCallerIdentity",
      "kms:ListAliases",
    ],
    Resource: "*",
  },
];

export function deployerPolicy(plan: Plan, app: string): { Version: string; Statement: object[] } {
  const types = [...new Set(plan.resources.map((r) => r.type))].filter((t) => !NOT_AWS.test(t)).sort();
  const missing = types.filter((t) => !ACTIONS[t]);
  if (missing.length)
    throw new Error(`no IAM actions known for ${missing.join(", ")}: add them to ACTIONS in bin/deployer-policy.ts`);
  const statements: object[] = types.map((type) => ({
    Sid: type.replace(/^[^:]*:|:[^:]*$/g, "").replace(/[^A-Za-z0-9]/g, ""),
    Effect: "Allow",
    Action: ACTIONS[type].actions,
    Resource: ACTIONS[type].resources.map((r) =>
      r.replace(/\{app\}/g, app).replace(/\{app_\}/g, app.replace(/-/g, "_")),
    ),
  }));
  const passRole = plan.resources.some((r) => r.type === "aws:iam/role:Role")
    ? [
        {
          Sid: "PassRole",
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: ROLE.replace("{app}", app),
          Condition: {
            StringEquals: {
              "iam:PassedToService": ["lambda.amazonaws.com", "scheduler.amazonaws.com", "ecs-tasks.amazonaws.com"],
            },
          },
        },
      ]
    : [];
  return { Version: "2012-10-17", Statement: [...ALWAYS, ...statements, ...passRole] };
}

async function main(): Promise<void> {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(0);
  });
  const file = stackFile();
  const app = parseStackConfig(readStackFile(file, true)).app.name;
  process.stdout.write(`${JSON.stringify(deployerPolicy(await synth(file), app), null, 2)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`deployer-policy: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
