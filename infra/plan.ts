// Evaluates the Pulumi program under Pulumi's own mocks and records every resource it
// registers, with its inputs resolved. Used by `npm run synth` (read the plan without
// credentials) and by the infra tests (assert on real inputs). No engine, no cloud.
import * as pulumi from "@pulumi/pulumi";
import { specialAssetSig, specialArchiveSig, specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

// Internal to the SDK (no type declaration): what the Pulumi host itself awaits before the
// program exits, i.e. every pending resource registration.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

export const FAKE_ACCOUNT = "123456789012";

export interface PlannedResource {
  /** Pulumi type token, e.g. `aws:s3/bucket:Bucket`. */
  type: string;
  /** Logical name as given to the resource constructor. */
  name: string;
  /** Resolved inputs; secrets show as "[secret]", archives as `{ archive: <path or asset names> }`. */
  inputs: Record<string, any>;
}

export interface Plan {
  resources: PlannedResource[];
  outputs: Record<string, any>;
}

/** Replaces the RPC encodings of secrets and assets with readable, JSON-safe values. */
function readable(value: any): any {
  if (Array.isArray(value)) return value.map(readable);
  if (pulumi.asset.Asset.isInstance(value) || pulumi.asset.Archive.isInstance(value)) {
    const v = value as any;
    if (v.path) return { archive: v.path };
    if (v.assets) {
      // An AssetArchive's assets are a promise (already settled here): the names fill in before the plan is read.
      const out: { archive: string[] } = { archive: [] };
      void Promise.resolve(v.assets).then(
        (assets: Record<string, unknown>) => (out.archive = Object.keys(assets).sort()),
      );
      return out;
    }
    return { archive: v.text ? "text" : "asset" };
  }
  if (value && typeof value === "object") {
    if (value[specialSigKey] === specialSecretSig) return "[secret]";
    if (value[specialSigKey] === specialAssetSig || value[specialSigKey] === specialArchiveSig) {
      return { archive: value.path ?? (value.assets ? Object.keys(value.assets).sort() : "inline") };
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readable(v)]));
  }
  return value;
}

/** How an ARN names its resource type, per service (`arn:aws:kms:…:key/<id>`). */
const ARN_RESOURCE_TYPE: Record<string, string> = {
  kms: "key/",
  cloudtrail: "trail/",
  secretsmanager: "secret:",
  lambda: "function:",
  logs: "log-group:",
  scheduler: "schedule/default/",
  cloudwatch: "alarm:",
  ecr: "repository/",
};

/** The fake state a provider would return: inputs plus the attributes AWS computes. */
function fakeState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  const [pkg, mod] = type.split(":");
  // Log groups live in the cloudwatch module but are ARNs of the logs service.
  const service = type === "aws:cloudwatch/logGroup:LogGroup" ? "logs" : (mod ?? "").split("/")[0];
  const physical = inputs.name ?? inputs.bucket ?? `${name}-${hash(name)}`;
  const region = "eu-west-3";
  const arn =
    service === "s3"
      ? `arn:aws:s3:::${physical}`
      : service === "iam"
        ? `arn:aws:iam::${FAKE_ACCOUNT}:${mod.split("/")[1].toLowerCase()}/${physical}`
        : `arn:aws:${service}:${region}:${FAKE_ACCOUNT}:${ARN_RESOURCE_TYPE[service] ?? ""}${physical}`;
  const extra: Record<string, any> = pkg === "aws" ? { arn } : {};
  if (type === "aws:s3/bucket:Bucket")
    Object.assign(extra, { bucket: physical, bucketDomainName: `${physical}.s3.amazonaws.com` });
  if (type === "aws:kms/key:Key") extra.keyId = physical;
  if (type === "aws:sns/topic:Topic" || type === "aws:sqs/queue:Queue") extra.name = physical;
  // A generated password: a stand-in of the asked length, so URLs built from it read right.
  if (type === "random:index/randomPassword:RandomPassword") extra.result = "p".repeat(inputs.length ?? 16);
  if (type === "aws:sqs/queue:Queue") extra.url = `https://sqs.${region}.amazonaws.com/${FAKE_ACCOUNT}/${physical}`;
  if (type === "aws:lambda/functionUrl:FunctionUrl") {
    Object.assign(extra, {
      urlId: hash(name).repeat(4),
      functionUrl: `https://${hash(name).repeat(4)}.lambda-url.${region}.on.aws/`,
    });
  }
  // ECS names its ARNs by kind; a task definition's carries its revision.
  if (type === "aws:ecs/cluster:Cluster") extra.arn = `arn:aws:ecs:${region}:${FAKE_ACCOUNT}:cluster/${physical}`;
  if (type === "aws:ecs/taskDefinition:TaskDefinition") {
    const family = `arn:aws:ecs:${region}:${FAKE_ACCOUNT}:task-definition/${inputs.family}`;
    Object.assign(extra, { arn: `${family}:1`, arnWithoutRevision: family, revision: 1 });
  }
  if (type === "aws:ecr/repository:Repository") {
    Object.assign(extra, {
      registryId: FAKE_ACCOUNT,
      repositoryUrl: `${FAKE_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${physical}`,
    });
  }
  // A pushed image is known by its digest.
  if (type === "docker-build:index:Image") {
    const digest = `sha256:${hash(name).repeat(10).slice(0, 64)}`;
    Object.assign(extra, { digest, ref: `${String(inputs.tags?.[0]).split(":")[0]}@${digest}` });
  }
  // Vercel computes the read token; the provider builds the connection string from it.
  if (type === "vercel:index/edgeConfigToken:EdgeConfigToken") {
    Object.assign(extra, {
      token: `fake-edge-config-token-${hash(name)}`,
      connectionString: `https://edge-config.vercel.com/${inputs.edgeConfigId}?token=fake-edge-config-token-${hash(name)}`,
    });
  }
  return { ...inputs, name: inputs.name ?? physical, ...extra };
}

function hash(s: string): string {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(7, "0").slice(0, 7);
}

/** Answers the provider functions the program calls (account, region, partition). */
function fakeCall(token: string, inputs: Record<string, any>): Record<string, any> {
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: FAKE_ACCOUNT,
        arn: `arn:aws:iam::${FAKE_ACCOUNT}:user/deployer`,
        userId: "AIDAFAKE",
        id: FAKE_ACCOUNT,
      };
    case "aws:index/getRegion:getRegion":
      return { name: "eu-west-3", region: "eu-west-3", id: "eu-west-3", description: "Europe (Paris)" };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return {
        userName: "AWS",
        password: "fake-ecr-password",
        authorizationToken: "QVdTOmZha2U=",
        proxyEndpoint: `https://${FAKE_ACCOUNT}.dkr.ecr.eu-west-3.amazonaws.com`,
        id: "eu-west-3",
      };
    // The default VPC and its default subnets, a configured subnet's VPC, an existing cluster.
    case "aws:ec2/getVpc:getVpc":
      return { id: "vpc-0default0000000000", cidrBlock: "172.31.0.0/16", default: true };
    case "aws:ec2/getSubnets:getSubnets":
      return {
        ids: ["subnet-0default0000000a", "subnet-0default0000000b", "subnet-0default0000000c"],
        id: "eu-west-3",
      };
    case "aws:ec2/getSubnet:getSubnet":
      return { ...inputs, vpcId: "vpc-0configured00000000" };
    case "aws:ecs/getCluster:getCluster":
      return {
        ...inputs,
        arn: `arn:aws:ecs:eu-west-3:${FAKE_ACCOUNT}:cluster/${inputs.clusterName}`,
        id: `arn:aws:ecs:eu-west-3:${FAKE_ACCOUNT}:cluster/${inputs.clusterName}`,
      };
    case "vercel:index/getEndpointVerification:getEndpointVerification":
      return {
        verificationCode: "fake-vercel-verification-code",
        teamId: inputs.teamId ?? "team_fake",
        id: "fake-vercel-verification-code",
      };
    case "vercel:index/getProject:getProject":
      return { ...inputs, id: `prj_fake${hash(String(inputs.name))}` };
    default:
      return inputs;
  }
}

/**
 * Runs `program` as the body of a stack under mocks and returns every registered resource.
 * `config` is in `pulumi.runtime.allConfig()` form (`"elegance-ops:app": "<json>"`).
 */
export async function planProgram(
  program: () => Record<string, any> | Promise<Record<string, any> | void> | void,
  config: Record<string, string> = {},
): Promise<Plan> {
  const resources: PlannedResource[] = [];
  pulumi.runtime.setAllConfig(config);
  await pulumi.runtime.setMocks(
    {
      newResource: ({ type, name, inputs }) => {
        resources.push({ type, name, inputs: readable(inputs) });
        // Vercel ids carry a prefix per kind (ecfg_ for Edge Configs), as the API gives them.
        const id =
          type === "vercel:index/edgeConfig:EdgeConfig"
            ? `ecfg_fake${hash(name)}`
            : type === "aws:ec2/securityGroup:SecurityGroup"
              ? `sg-0${hash(name)}${hash(`${name}/`)}`
              : `${name}-id`;
        return { id, state: fakeState(type, name, inputs) };
      },
      call: ({ token, inputs }) => fakeCall(token, inputs),
    },
    "elegance-ops",
    "prod",
    false,
  );
  // Pulumi records a stack trace on every promise it makes (runtime/debuggable.js); formatting
  // them through a source-map hook (ts-node, jest) was three quarters of a plan's time. A plan
  // needs none: errors keep their message.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let outputs: Record<string, any>;
  try {
    outputs =
      (await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation(withoutArchiveContents);
        return (await program()) ?? {};
      })) ?? {};
    await waitForRPCs();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  return { resources: resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), outputs: readable(outputs ?? {}) };
}

/**
 * Under mocks nothing reads a function's code, yet the SDK would serialise megabytes of bundles
 * on every plan: each archive keeps its file names (all the plan shows of it), not their contents.
 */
function withoutArchiveContents({
  props,
  opts,
}: pulumi.ResourceTransformationArgs): pulumi.ResourceTransformationResult | undefined {
  if (!pulumi.asset.Archive.isInstance(props.code) || !("assets" in props.code)) return undefined;
  const assets = Promise.resolve((props.code as pulumi.asset.AssetArchive).assets).then((files) =>
    Object.fromEntries(
      Object.keys(files).map((name) => [name, new pulumi.asset.StringAsset("(left out of the plan)")]),
    ),
  );
  return { props: { ...props, code: new pulumi.asset.AssetArchive(assets) }, opts };
}

/** Convenience lookups for tests and synth. */
export function ofType(plan: Plan, type: string): PlannedResource[] {
  return plan.resources.filter((r) => r.type === type);
}

export function find(plan: Plan, type: string, name: string): PlannedResource {
  const found = plan.resources.find((r) => r.type === type && r.name === name);
  if (!found) {
    const names = ofType(plan, type).map((r) => r.name);
    throw new Error(`no ${type} named ${name}; there are: ${names.join(", ") || "none"}`);
  }
  return found;
}
