// Helpers shared by the rules: types, IAM statements, links between resources.
// Linking goes through `propertyDependencies` (what the engine knows at preview, when ids and
// ARNs of new resources are still unknown) or through names the program sets explicitly.
import type { PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";

export const T = {
  bucket: "aws:s3/bucket:Bucket",
  sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  objectLock: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
  trail: "aws:cloudtrail/trail:Trail",
  kmsKey: "aws:kms/key:Key",
  lambda: "aws:lambda/function:Function",
  eventInvokeConfig: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  schedule: "aws:scheduler/schedule:Schedule",
  topic: "aws:sns/topic:Topic",
  queue: "aws:sqs/queue:Queue",
  secret: "aws:secretsmanager/secret:Secret",
  ecr: "aws:ecr/repository:Repository",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  role: "aws:iam/role:Role",
} as const;

export type { PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs };

export const ofType = (resources: PolicyResource[], type: string) => resources.filter((r) => r.type === type);

/** The resources of `type` that `r` references through its property `prop`. */
export function linked(r: PolicyResource, prop: string, type: string): PolicyResource[] {
  return (r.propertyDependencies?.[prop] ?? []).filter((d) => d.type === type);
}

/** The companions of `type` (encryption, lifecycle, …) that name `bucket` in their `bucket` property. */
export function companionsOf(resources: PolicyResource[], bucket: PolicyResource, type: string): PolicyResource[] {
  return ofType(resources, type).filter((c) => linked(c, "bucket", T.bucket).some((b) => b.urn === bucket.urn));
}

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const list = <V>(v: V | V[] | undefined): V[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
export const actionsOf = (s: Statement) => list(s.Action);
export const resourcesOf = (s: Statement) => list(s.Resource);

/** The statements of a policy document given as JSON text or as an object. */
export function statements(doc: unknown): Statement[] {
  if (doc === undefined || doc === null) return [];
  const parsed = typeof doc === "string" ? JSON.parse(doc) : doc;
  return list(parsed.Statement as Statement | Statement[]);
}

/** The IAM policy documents a resource carries (a role's inline policies included). */
export function iamDocuments(type: string, props: Record<string, any>): unknown[] {
  if (type === T.rolePolicy || type === T.policy) return [props.policy];
  if (type === T.role) return list(props.inlinePolicies).map((p: { policy?: unknown }) => p.policy);
  return [];
}

export const label = (r: { type: string; name: string }) => `${r.type.split(":").pop()} ${r.name}`;
