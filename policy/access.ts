// Who may do what, who is paged, and what is encrypted: least-privilege IAM, one level topic
// per alarm with its runbook, no secret in a plain input, KMS on topics, queues and secrets.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { actionsOf, iamDocuments, label, linked, ofType, resourcesOf, statements, T } from "./lib";

/** Actions AWS does not let a policy scope to a resource: `Resource: "*"` is the only form. */
export const UNSCOPABLE_ACTIONS: Record<string, string> = {
  "cloudwatch:GetMetricData": "CloudWatch metric reads have no resource-level permissions",
  "cloudwatch:GetMetricStatistics": "CloudWatch metric reads have no resource-level permissions",
  "cloudwatch:ListMetrics": "CloudWatch metric reads have no resource-level permissions",
  "cloudwatch:PutMetricData": "scoped by the cloudwatch:namespace condition key, not by resource",
  "ecr:GetAuthorizationToken": "the registry token is account-wide",
  "iam:GenerateCredentialReport": "the credential report is account-wide",
  "iam:GetCredentialReport": "the credential report is account-wide",
  "iam:ListRoles": "IAM list actions take no resource",
  "iam:ListUsers": "IAM list actions take no resource",
  "sts:GetCallerIdentity": "needs no permission and takes no resource",
  "xray:PutTraceSegments": "X-Ray has no resource-level permissions for writes",
  "xray:PutTelemetryRecords": "X-Ray has no resource-level permissions for writes",
};

/** Fields that hold a secret by design; the engine hands policies secrets unwrapped, so they are not scanned. */
const SECRET_FIELDS: Record<string, string[]> = {
  "aws:sns/topicSubscription:TopicSubscription": ["endpoint"],
  "aws:secretsmanager/secretVersion:SecretVersion": ["secretString", "secretBinary"],
  "docker-build:index:Image": ["registries"],
  "postgresql:index/role:Role": ["password"],
  "random:index/randomPassword:RandomPassword": ["result", "bcryptHash"],
};
/** Public support addresses the runbooks name: not secrets. */
const PUBLIC_EMAIL_DOMAINS = /@(supabase\.(io|com)|vercel\.com|amazon\.com|example\.(com|org|test))$/i;

export const SECRET_PATTERNS: [string, RegExp][] = [
  ["an e-mail address", /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g],
  ["a phone number", /(?<![\w+])\+\d{10,15}\b/g],
  ["a URL with a password", /[a-z][a-z0-9+.-]*:\/\/[^\s:/@"]+:[^\s@/"]+@/gi],
  ["a token", /\b(token|api[_-]?key|secret|password)=[^&\s"]{8,}|\bBearer\s+[A-Za-z0-9._-]{16,}/gi],
];

/** What in `value` (any JSON) looks like a secret, with its path. */
export function plainSecrets(value: unknown, path = ""): string[] {
  if (typeof value === "string") {
    return SECRET_PATTERNS.flatMap(([what, re]) =>
      [...value.matchAll(re)]
        .filter((m) => what !== "an e-mail address" || !PUBLIC_EMAIL_DOMAINS.test(m[0]))
        .map(() => `${path}: ${what}`),
    );
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => plainSecrets(v, `${path}[${i}]`));
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => plainSecrets(v, path ? `${path}.${k}` : k));
  return [];
}

const LEVEL_TOPIC = /incidents-level-([123])$/;

export const accessPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  {
    name: "iam-no-wildcard-action",
    description: "No IAM statement allows an action with a wildcard (`*`, `s3:*`, `s3:Get*`).",
    enforcementLevel: "mandatory",
    validateResource: ({ type, props }, report) => {
      for (const s of iamDocuments(type, props).flatMap(statements)) {
        const wild = actionsOf(s).filter((a) => a.includes("*"));
        if (s.Effect === "Allow" && wild.length)
          report(`statement ${s.Sid ?? "(no Sid)"} allows ${wild.join(", ")}: name the actions`);
      }
    },
  },
  {
    name: "iam-no-wildcard-resource",
    description: `No IAM statement allows Resource "*", except for actions AWS cannot scope (${Object.keys(UNSCOPABLE_ACTIONS).join(", ")}).`,
    enforcementLevel: "mandatory",
    validateResource: ({ type, props }, report) => {
      for (const s of iamDocuments(type, props).flatMap(statements)) {
        if (s.Effect !== "Allow" || !resourcesOf(s).includes("*")) continue;
        const scopable = actionsOf(s).filter((a) => !(a in UNSCOPABLE_ACTIONS));
        if (scopable.length)
          report(`statement ${s.Sid ?? "(no Sid)"} allows ${scopable.join(", ")} on Resource "*": name the resources`);
      }
    },
  },
  {
    name: "alarm-one-level-topic",
    description: "Every alarm pages exactly one incident-level topic of this stack, in its alarm and its OK actions.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
      for (const alarm of ofType(resources, T.alarm)) {
        const { alarmActions = [], okActions = [] } = alarm.props;
        const topics = linked(alarm, "alarmActions", T.topic);
        const level = topics.length === 1 ? LEVEL_TOPIC.exec(topics[0].props.name ?? "") : null;
        if (alarmActions.length !== 1 || !level)
          report(
            `${label(alarm)}: alarmActions must be exactly one incidents-level-N topic of this stack (found ${alarmActions.length} action(s))`,
          );
        else if (okActions.length !== 1 || okActions[0] !== alarmActions[0])
          report(`${label(alarm)}: okActions must be its level topic too, so the page is closed`);
      }
    },
  },
  {
    name: "alarm-runbook",
    description: 'Every alarm\'s description starts with its level ("Niveau N") and carries a numbered runbook.',
    enforcementLevel: "mandatory",
    validateResource: ({ type, props }, report) => {
      if (type !== T.alarm) return;
      const text: string = props.alarmDescription ?? "";
      if (!/^Niveau [123]\b/.test(text) || !/\nRunbook:\n1\. \S/.test(text))
        report(`alarm ${props.name}: description must start with "Niveau N" and hold "Runbook:" then numbered steps`);
    },
  },
  {
    name: "no-plain-secrets",
    description:
      "No e-mail, phone number, URL with a password or token in a plain input (Lambda environment, descriptions, tags…).",
    enforcementLevel: "mandatory",
    validateResource: ({ type, props }, report) => {
      if (type.startsWith("pulumi:providers:")) return; // provider credentials are the engine's business
      const skip = SECRET_FIELDS[type] ?? [];
      const scanned = Object.fromEntries(Object.entries(props).filter(([k]) => !skip.includes(k)));
      for (const found of plainSecrets(scanned))
        report(`${found}: make it a Pulumi secret read at run time (Secrets Manager), never a plain input`);
    },
  },
  {
    name: "sns-sqs-kms",
    description: "Every SNS topic and SQS queue is encrypted with a KMS key.",
    enforcementLevel: "mandatory",
    validateResource: ({ type, props }, report) => {
      if ((type === T.topic || type === T.queue) && !props.kmsMasterKeyId)
        report(`${type.split(":").pop()} ${props.name}: no kmsMasterKeyId`);
    },
  },
  {
    name: "secrets-manager-kms",
    description: "Every Secrets Manager secret is encrypted with the stack's KMS key (not the AWS-managed one).",
    enforcementLevel: "mandatory",
    validateResource: ({ type, props }, report) => {
      if (type === T.secret && !props.kmsKeyId) report(`secret ${props.name}: no kmsKeyId`);
    },
  },
  {
    name: "kms-key-rotation",
    description: "Every KMS key rotates yearly.",
    enforcementLevel: "mandatory",
    validateResource: ({ type, props }, report) => {
      if (type === T.kmsKey && props.enableKeyRotation !== true) report("enableKeyRotation is not true");
    },
  },
  {
    name: "ecr-immutable-scanned-kms",
    description: "Every ECR repository has immutable tags, scan on push and KMS encryption.",
    enforcementLevel: "mandatory",
    validateResource: ({ type, props }, report) => {
      if (type !== T.ecr) return;
      if (props.imageTagMutability !== "IMMUTABLE") report("imageTagMutability is not IMMUTABLE");
      if (props.imageScanningConfiguration?.scanOnPush !== true)
        report("imageScanningConfiguration.scanOnPush is not true");
      if (!props.encryptionConfigurations?.some((e: any) => e.encryptionType === "KMS"))
        report("no KMS encryptionConfigurations");
    },
  },
];
