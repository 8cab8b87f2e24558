// The one schema for everything the stack reads. Each leaf carries, through `doc()`, the
// words used in error messages ("expected …") and, for required keys, an example value.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  appUrlProblem,
  databaseUrlProblem,
  normalizePhone,
  phoneProblem,
  retentionProblem,
  scheduleProblem,
  timezoneProblem,
} from "./checks";
import { catalogKeys, CHECKLIST_NAMES } from "../../lambdas/checklist/catalog";
import { checksOverTimeout, functionsShape } from "./functions";
import { reportSchemas } from "./reports";
import { checkLockfileSource, lockfileSourceShape } from "./lockfile-source";
import { DEFAULT_DATABASE_THRESHOLDS, DatabaseThresholds } from "../../lambdas/core/database-thresholds";
import { DEFAULT_LOG_THRESHOLDS } from "../../lambdas/core/log-thresholds";

export interface FieldDoc {
  expected: string;
  example?: string;
}
export const docs = z.registry<FieldDoc>();

function doc<T extends z.ZodType>(schema: T, expected: string, example?: string): T {
  docs.add(schema, { expected, example });
  return schema;
}

type Ctx = {
  addIssue(issue: { code: "custom"; message: string; input?: unknown; path?: PropertyKey[]; params?: object }): void;
};

/** Adds a problem found by one of ./checks; the message formatter puts the (masked) value before it. */
function checked<T>(problem: (value: T) => string | undefined) {
  return (value: T, ctx: Ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: "custom", message, input: value });
  };
}

// Secrets are wrapped only once their own checks passed, so a rejected value never becomes an Output.
const toSecret = (value: string) => pulumi.secret(value);

// A section whose keys all have defaults (or that must report its missing keys one by one) may be left out.
function section<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.preprocess((v) => (v === undefined ? {} : v), z.strictObject(shape));
}

// Cross-field checks run even when a sibling key is invalid, so every problem is reported at once;
// they only compare values that passed their own field's checks (one message per mistake).
const valid = (field: z.ZodType, v: unknown): number | undefined =>
  typeof v === "number" && field.safeParse(v).success ? v : undefined;
const whenObject = { when: (p: { value: unknown }) => typeof p.value === "object" && p.value !== null };

const int = (range: string) => `an integer number of ${range}`;
const timeoutMs = doc(z.number().int().min(100).max(30000), int("milliseconds between 100 and 30000"));
const p95LatencyMs = doc(z.number().int().positive(), int("milliseconds above 0, below timeoutMs"));
const lockDays = doc(z.number().int().min(1), int("days, 1 or more"), "14");
const dailyDays = doc(z.number().int().min(7), int("days, 7 or more"));
const monthlyDays = doc(z.number().int(), int("days, more than dailyDays"));
const yearlyDays = doc(z.number().int(), int("days, more than monthlyDays"));
const schedule = (fallback: string) =>
  doc(
    z.string().superRefine(checked(scheduleProblem)),
    "an EventBridge Scheduler cron(…) or rate(…) expression",
  ).default(fallback);
const retentionDays = (minimum: number, why: string) =>
  doc(
    z
      .number()
      .int()
      .superRefine(checked((d: number) => retentionProblem(d, minimum, why))),
    `a CloudWatch retention value of at least ${minimum} days`,
  ).default(minimum);
const email = (expected: string) => doc(z.email(), expected);

const contact = z.strictObject({
  name: doc(z.string().trim().min(1), "the person's name, e.g. Camille Martin", "Camille Martin"),
  role: doc(
    z.enum(["lead-dev", "dba", "devops"]),
    "one of lead-dev, dba, devops (the guide's emergency roles)",
    "lead-dev",
  ),
  email: doc(z.email().transform(toSecret), "an e-mail address, e.g. camille.martin@elegance-mobilite.fr"),
  phone: doc(
    z.string().superRefine(checked(phoneProblem)).transform(normalizePhone).transform(toSecret),
    "a phone number in E.164 form, e.g. +33612345678",
  ),
});

// "Contacts d'urgence": names identify people in pages; the guide's list has a Lead Dev and a DevOps on call.
const REQUIRED_ROLES = ["lead-dev", "devops"] as const;
function checkContacts(list: unknown[], ctx: Ctx): void {
  const fields = (c: unknown) => (typeof c === "object" && c !== null ? (c as Record<string, unknown>) : {});
  const seen = new Map<string, number>();
  list.forEach((c, i) => {
    const name = fields(c).name;
    if (typeof name !== "string" || name.trim() === "") return;
    const first = seen.get(name.trim().toLowerCase());
    if (first === undefined) seen.set(name.trim().toLowerCase(), i);
    else
      ctx.addIssue({
        code: "custom",
        path: [i, "name"],
        input: name,
        message: `is already the name of contacts[${first}]; contact names must be unique`,
      });
  });
  const roles = list.map((c) => fields(c).role);
  // A misspelt role is reported on its own; don't add "no lead-dev" on top of it.
  if (list.length === 0 || roles.some((r) => !contact.shape.role.safeParse(r).success)) return;
  for (const role of REQUIRED_ROLES.filter((r) => !roles.includes(r))) {
    ctx.addIssue({
      code: "custom",
      params: { bare: true },
      message: `has no contact with role ${role}; the maintenance guide's emergency list needs at least a lead-dev and a devops`,
    });
  }
}

// "Gestion des incidents": who is paged, by which channel, at each level (roles, not people,
// so a new contact needs no change here). Defaults follow the guide's urgency.
const ROLES = ["lead-dev", "dba", "devops"] as const;
const roleList = doc(
  z.array(doc(z.enum(ROLES), "one of lead-dev, dba, devops (a paging route lists roles, e.g. [lead-dev, devops])")),
  "a list of roles among lead-dev, dba, devops, e.g. [lead-dev, devops]",
);
const route = (email: (typeof ROLES)[number][], sms: (typeof ROLES)[number][]) =>
  section({ email: roleList.default(email), sms: roleList.default(sms) });
const level = doc(z.literal([1, 2, 3]), "an incident level: 1 (< 4 h), 2 (< 1 h) or 3 (< 15 min)");

function checkLevelKeys(levels: Record<string, unknown>, ctx: Ctx): void {
  const known = catalogKeys();
  for (const key of Object.keys(levels).filter((k) => !known.includes(k))) {
    ctx.addIssue({
      code: "custom",
      path: [key],
      params: { bare: true },
      message: `is not a check of any list; expected one of ${known.join(", ")}`,
    });
  }
}

// The database checks' thresholds: any of DEFAULT_DATABASE_THRESHOLDS' keys, overriding it.
const databaseThresholds = z
  .strictObject(
    Object.fromEntries(
      Object.entries(DEFAULT_DATABASE_THRESHOLDS).map(([key, value]) => [
        key,
        Array.isArray(value)
          ? doc(
              z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/)).min(1),
              "a list of schema names, e.g. [public]",
            ).optional()
          : doc(z.number().min(0), `a number, 0 or more (default ${value})`).optional(),
      ]),
    ),
  )
  .transform((t) => t as Partial<DatabaseThresholds>);

// The daily log check's thresholds (lambdas/checks/app-logs-thresholds.ts), counted over the last 24 h.
const countOver24h = (fallback: number) =>
  doc(z.number().int().min(1), int(`lines or responses in 24 h, 1 or more (default ${fallback})`)).default(fallback);
const logThresholds = section({
  errorLinesWarn: countOver24h(DEFAULT_LOG_THRESHOLDS.errorLinesWarn),
  errorLinesFail: countOver24h(DEFAULT_LOG_THRESHOLDS.errorLinesFail),
  http5xxWarn: countOver24h(DEFAULT_LOG_THRESHOLDS.http5xxWarn),
  http5xxFail: countOver24h(DEFAULT_LOG_THRESHOLDS.http5xxFail),
  topMessages: doc(
    z.number().int().min(1).max(100),
    int(`messages between 1 and 100 (default ${DEFAULT_LOG_THRESHOLDS.topMessages})`),
  ).default(DEFAULT_LOG_THRESHOLDS.topMessages),
}).superRefine((t, ctx) => {
  for (const what of ["errorLines", "http5xx"] as const) {
    const [warn, fail] = [t[`${what}Warn`], t[`${what}Fail`]];
    if (
      typeof warn === "number" &&
      typeof fail === "number" &&
      Number.isInteger(warn) &&
      Number.isInteger(fail) &&
      warn >= 1 &&
      fail < warn
    ) {
      ctx.addIssue({
        code: "custom",
        path: [`${what}Fail`],
        input: fail,
        message: `is below ${what}Warn (${warn}); expected ${what}Fail >= ${what}Warn`,
      });
    }
  }
}, whenObject);

// What the drain may send (the provider's list) and where a sensitive variable may go (not development).
const DRAIN_SOURCES = ["static", "edge", "external", "build", "lambda", "firewall", "redirect"] as const;
const VERCEL_TARGETS = ["production", "preview"] as const;
const listOf = <T extends readonly [string, ...string[]]>(values: T, what: string, example: string) =>
  doc(
    z.array(doc(z.enum(values), `one of ${values.join(", ")} (${what})`)).min(1),
    `a non-empty list among ${values.join(", ")}, e.g. ${example}`,
  );

// The app side on Vercel (log drain, maintenance flag); left out, nothing of Vercel is created.
const vercel = z.strictObject({
  teamId: doc(
    z.string().regex(/^(team_[A-Za-z0-9]+|[a-z0-9][a-z0-9-]{0,47})$/),
    "the Vercel team's id (team_…) or slug, e.g. elegance-mobilite",
    "elegance-mobilite",
  ),
  projectId: doc(
    z.string().regex(/^(prj_[A-Za-z0-9]+|[a-z0-9._-]{1,100})$/),
    "the Vercel project's id (prj_…) or name, e.g. elegance-mobilite",
    "elegance-mobilite",
  ),
  token: doc(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{20,}$/)
      .transform(toSecret),
    "a Vercel access token scoped to the team (Account Settings › Tokens)",
  ),
  logDrain: section({
    // Configurable drains need a Vercel Pro or Enterprise team: false keeps the Edge Config without the drain.
    enabled: doc(z.boolean(), "true or false (a log drain needs a Vercel Pro or Enterprise team)").default(true),
    deliveryFormat: doc(z.enum(["json", "ndjson"]), "json or ndjson").default("ndjson"),
    sources: listOf(
      DRAIN_SOURCES,
      "the logs Vercel forwards",
      "[lambda, edge, static, build, external, firewall]",
    ).default(["lambda", "edge", "static", "build", "external", "firewall"]),
    environments: listOf(VERCEL_TARGETS, "the deployments whose logs are forwarded", "[production]").default([
      "production",
    ]),
    // A Function URL takes at most 6 MB of request: accept what it passes; bigger is refused with a 413, which pages.
    maxBodyBytes: doc(
      z.number().int().min(65_536).max(6_000_000),
      int("bytes between 65536 and 6000000 (a Function URL's limit)"),
    ).default(6_000_000),
  }),
  logThresholds,
  edgeConfig: section({
    name: doc(
      z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
      "1 to 64 letters, digits, _ or - (the Edge Config's slug), e.g. elegance-mobilite",
    ).optional(),
  }),
  // The connection string is sensitive, and Vercel refuses sensitive variables in development.
  envVarTargets: listOf(
    VERCEL_TARGETS,
    "sensitive variables cannot target development",
    "[production, preview]",
  ).default(["production", "preview"]),
});

// Backups no admin can erase: the break-glass role, and the copy to a second account.
const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const KMS_KEY_ARN =
  /^arn:aws:kms:([a-z0-9-]+):(\d{12}):key\/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const breakGlassRoleArn = doc(
  z
    .string()
    .superRefine(
      checked((v: string) =>
        ROLE_ARN.test(v)
          ? undefined
          : "is not an IAM role ARN; expected arn:aws:iam::<12-digit account id>:role/<name>, e.g. arn:aws:iam::123456789012:role/elegance-ops-break-glass (the role you assume to break glass)",
      ),
    ),
  "the ARN of the break-glass IAM role, e.g. arn:aws:iam::123456789012:role/elegance-ops-break-glass",
);
const backupsCopy = z
  .strictObject({
    accountId: doc(
      z
        .string()
        .superRefine(
          checked((v: string) =>
            ACCOUNT_ID.test(v)
              ? undefined
              : 'is not an AWS account id; expected the destination account\'s 12 digits, quoted in YAML, e.g. "210987654321"',
          ),
        ),
      'the destination AWS account id, 12 digits in quotes (YAML would drop leading zeros), e.g. "210987654321"',
      "210987654321",
    ),
    bucket: doc(
      z.string().regex(/^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/),
      "the destination bucket's name (3 to 63 lowercase letters, digits, dots or hyphens; versioned, Object Lock enabled), e.g. elegance-mobilite-backups-copy",
      "elegance-mobilite-backups-copy",
    ),
    kmsKeyArn: doc(
      z
        .string()
        .superRefine(
          checked((v: string) =>
            KMS_KEY_ARN.test(v)
              ? undefined
              : "is not a KMS key ARN; expected the destination account's key as arn:aws:kms:<region>:<account id>:key/<key id> (an alias won't do for replication)",
          ),
        ),
      "the ARN of a KMS key of the destination account, e.g. arn:aws:kms:eu-west-3:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      "arn:aws:kms:eu-west-3:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
  })
  .superRefine((c, ctx) => {
    const key = typeof c.kmsKeyArn === "string" ? KMS_KEY_ARN.exec(c.kmsKeyArn) : null;
    if (key && typeof c.accountId === "string" && ACCOUNT_ID.test(c.accountId) && key[2] !== c.accountId) {
      ctx.addIssue({
        code: "custom",
        path: ["kmsKeyArn"],
        input: c.kmsKeyArn,
        message: `belongs to account ${key[2]}, not backups.copy.accountId (${c.accountId}); the replicas must be encrypted with the destination account's own key`,
      });
    }
  }, whenObject);

/** Each check of a list must fit, alone, in its function's timeout minus the run's finishing margin. */
function checkListTimeouts(functions: Record<string, unknown>, ctx: Ctx): void {
  for (const list of CHECKLIST_NAMES) {
    const timeout = (functions[`${list}-checklist`] as { timeoutSeconds?: unknown } | undefined)?.timeoutSeconds;
    if (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 10 || timeout > 900) continue;
    const over = checksOverTimeout(list, timeout);
    if (over.length === 0) continue;
    const longest = Math.max(...over.map((c) => c.limitSeconds));
    const margin = timeout - over[0].roomSeconds;
    ctx.addIssue({
      code: "custom",
      path: [`${list}-checklist`, "timeoutSeconds"],
      input: timeout,
      message: `cannot fit ${over.map((c) => `${list}.${c.id} (${c.limitSeconds} s)`).join(", ")} and the run's ${margin} s to write its record and pages; expected ${longest + margin} or more`,
    });
  }
}

// Past Lambda's 15 minutes (README, "Limits"): the backup and the drill as ECS Fargate tasks.
const runnerKind = doc(
  z.enum(["lambda", "fargate"]),
  "lambda or fargate (an ECS Fargate task: no 15-minute limit, up to 200 GB of disk)",
);
/** CPU units → the memory (MiB) ECS Fargate accepts with it: [min, max, step]. */
export const FARGATE_MEMORY: Record<number, [number, number, number]> = {
  256: [512, 2048, 512],
  512: [1024, 4096, 1024],
  1024: [2048, 8192, 1024],
  2048: [4096, 16384, 1024],
  4096: [8192, 30720, 1024],
  8192: [16384, 61440, 4096],
  16384: [32768, 122880, 8192],
};
const fargateCpu = doc(
  z.literal([256, 512, 1024, 2048, 4096, 8192, 16384]),
  "CPU units ECS Fargate accepts: 256, 512, 1024, 2048, 4096, 8192 or 16384 (1024 = 1 vCPU)",
);
const fargateMemory = doc(
  z.number().int().min(512).max(122_880),
  int("MiB that ECS Fargate pairs with cpu, e.g. 8192 with cpu 2048"),
);
const fargate = z
  .strictObject({
    cpu: fargateCpu.default(2048),
    memoryMb: fargateMemory.default(8192),
    ephemeralStorageGb: doc(
      z.number().int().min(21).max(200),
      int("GiB between 21 and 200 (the drill keeps a copy of the dump and the restored database)"),
    ).default(100),
    maxRunMinutes: doc(
      z.number().int().min(15).max(1440),
      int("minutes between 15 and 1440; past it the task is stopped and pages"),
    ).default(240),
    cluster: doc(
      z.string().regex(/^[A-Za-z0-9_-]{1,255}$/),
      "the name of an existing ECS cluster, e.g. elegance-mobilite (left out: the stack makes one)",
    ).optional(),
    subnetIds: doc(
      z.array(doc(z.string().regex(/^subnet-[0-9a-f]{8,17}$/), "a subnet id, e.g. subnet-0123456789abcdef0")).min(1),
      "a list of subnet ids of one VPC, e.g. [subnet-0123456789abcdef0] (with a NAT or VPC endpoints to S3, ECR, Secrets Manager and CloudWatch Logs)",
    ).optional(),
    useDefaultVpc: doc(z.boolean(), "true to run in the default VPC's subnets (with a public IP), or false").default(
      false,
    ),
    assignPublicIp: doc(z.boolean(), "true or false (default: true in the default VPC, false in subnetIds)").optional(),
  })
  .superRefine((f, ctx) => {
    const cpu = valid(fargateCpu, f.cpu);
    const memory = valid(fargateMemory, f.memoryMb);
    const range = cpu !== undefined ? FARGATE_MEMORY[cpu] : undefined;
    if (
      range &&
      memory !== undefined &&
      (memory < range[0] || memory > range[1] || (memory - range[0]) % range[2] !== 0)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["memoryMb"],
        input: memory,
        message: `is not a memory ECS Fargate accepts with cpu ${cpu}; expected ${range[0]} to ${range[1]} in steps of ${range[2]}`,
      });
    }
    if (Array.isArray(f.subnetIds) && f.useDefaultVpc === true) {
      ctx.addIssue({
        code: "custom",
        path: ["useDefaultVpc"],
        input: true,
        message: "is true but subnetIds are given too; keep one: the subnets, or the default VPC",
      });
    }
  }, whenObject);

/** A task on Fargate needs subnets, or the default VPC said out loud. */
function checkRunner(b: { runner?: unknown; fargate?: unknown }, ctx: Ctx): void {
  const runner = (typeof b.runner === "object" && b.runner) || {};
  const tasks = Object.entries(runner)
    .filter(([, kind]) => kind === "fargate")
    .map(([task]) => `backups.runner.${task}`);
  const f = (typeof b.fargate === "object" && b.fargate ? b.fargate : {}) as {
    subnetIds?: unknown;
    useDefaultVpc?: unknown;
  };
  if (tasks.length && f.subnetIds === undefined && f.useDefaultVpc !== true) {
    ctx.addIssue({
      code: "custom",
      path: ["fargate", "subnetIds"],
      params: { bare: true },
      message: `is missing: ${tasks.join(" and ")} is fargate; set  pulumi config set --path 'backups.fargate.subnetIds[0]' subnet-0123456789abcdef0  (subnets that reach the database and AWS), or useDefaultVpc: true`,
    });
  }
}

/** The copy stays in the stack's region (the data stays in France): its key says where it is. */
function checkCopyRegion(c: { region?: unknown; backups?: unknown }, ctx: Ctx): void {
  const copy = (c.backups as { copy?: { kmsKeyArn?: unknown } } | undefined)?.copy;
  const key = typeof copy?.kmsKeyArn === "string" ? KMS_KEY_ARN.exec(copy.kmsKeyArn) : null;
  if (key && typeof c.region === "string" && key[1] !== c.region) {
    ctx.addIssue({
      code: "custom",
      path: ["backups", "copy", "kmsKeyArn"],
      input: copy!.kmsKeyArn,
      message: `is in ${key[1]}, not the stack's region ${c.region}; the copy must stay in ${c.region}: use a key (and a bucket) of the destination account in ${c.region}`,
    });
  }
}

// "Scan de sécurité" (weekly): what each severity does to the check, and the accepted risks.
const disposition = doc(
  z.enum(["fail", "warn", "report"]),
  "fail, warn or report (in the record and the weekly report only)",
);
const security = section({
  levels: section({
    critical: disposition.default("fail"),
    high: disposition.default("warn"),
    moderate: disposition.default("report"),
    low: disposition.default("report"),
  }),
  ignore: z
    .array(
      z.strictObject({
        id: doc(
          z.string().regex(/^(GHSA(-[23456789cfghjmpqrvwx]{4}){3}|CVE-\d{4}-\d{4,}|[A-Z]+-[\w.-]+)$/i),
          "an advisory id: GHSA-xxxx-xxxx-xxxx, CVE-YYYY-NNNN or an OSV id",
          "GHSA-jf85-cpcp-j695",
        ),
        reason: doc(
          z.string().trim().min(10),
          "why the risk is accepted, in a sentence (10 characters or more)",
          "not reachable: the app never calls the affected function",
        ),
        expires: doc(
          z.iso.date(),
          "the date (YYYY-MM-DD) the advisory becomes a finding again, e.g. 2026-12-31",
          "2026-12-31",
        ),
      }),
    )
    .default([]),
  // Optional Snyk: set, the lock-files also go to Snyk's test API (its token in Secrets Manager only).
  snykToken: doc(
    z
      .string()
      .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i)
      .transform(toSecret),
    "a Snyk API token (a UUID: Snyk › Account settings › Auth Token)",
  ).optional(),
  snykOrg: doc(
    z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i),
    "the Snyk organization's id (a UUID: Snyk › Settings › General › Organization ID)",
  ).optional(),
  // Optional: the app's lock-file from its GitHub repository instead of the Vercel deployment (./lockfile-source.ts).
  ...lockfileSourceShape(doc, toSecret),
}).superRefine(checkLockfileSource, whenObject);

// "Revue des accès" (monthly): who is approved, with which role, where.
const accessRole = doc(z.enum(["viewer", "developer", "admin", "owner"]), "one of viewer, developer, admin, owner");
const access = section({
  approved: z
    .array(
      z.strictObject({
        name: doc(
          z.string().trim().min(1),
          "a PostgreSQL role, Vercel username, e-mail or IAM user name, e.g. camille.martin@elegance-mobilite.fr",
          "camille.martin@elegance-mobilite.fr",
        ),
        role: accessRole,
        systems: doc(
          z.array(z.enum(["postgres", "vercel", "supabase", "aws"])).min(1),
          "a non-empty list among postgres, vercel, supabase, aws, e.g. [vercel, supabase]",
        ).optional(),
      }),
    )
    .default([]),
  maxKeyAgeDays: doc(z.number().int().min(1).max(365), int("days between 1 and 365")).default(90),
  supabaseOrganization: doc(
    z.string().regex(/^[a-z0-9-]{3,64}$/),
    "the Supabase organization's slug, e.g. elegance-mobilite",
  ).optional(),
  supabaseToken: doc(
    z
      .string()
      .regex(/^sbp_[A-Za-z0-9]{40}$/)
      .transform(toSecret),
    "a Supabase personal access token (sbp_ and 40 characters)",
  ).optional(),
  // IAM users, keys and cross-account roles: the review's function gets IAM's read-only report actions.
  aws: doc(z.boolean(), "true or false").default(true),
});

export const stackSchema = z
  .strictObject({
    region: doc(
      z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$/),
      "an AWS region code, e.g. eu-west-3",
      "eu-west-3",
    ),
    app: z.strictObject({
      name: doc(
        z.string().regex(/^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$/),
        "3 to 40 lowercase letters, digits or hyphens, not starting or ending with a hyphen (it prefixes resource names), e.g. elegance-mobilite",
        "elegance-mobilite",
      ),
      url: doc(
        z
          .string()
          .superRefine(checked(appUrlProblem))
          .transform((u) => new URL(u).origin),
        "the https origin of the production app, e.g. https://www.elegance-mobilite.fr",
        "https://www.elegance-mobilite.fr",
      ),
      healthPath: doc(z.string().regex(/^\/\S*$/), "a path starting with /, e.g. /api/health").default("/api/health"),
    }),
    timezone: doc(z.string().superRefine(checked(timezoneProblem)), "an IANA time zone, e.g. Europe/Paris").default(
      "Europe/Paris",
    ),
    schedules: section({
      daily: schedule("cron(0 7 * * ? *)"),
      weekly: schedule("cron(0 8 ? * MON *)"),
      monthly: schedule("cron(0 3 1 * ? *)"),
      healthProbe: schedule("rate(1 minute)"),
      // "Vérification des backups": the dump at night, the restore drill before the weekly list reads it.
      backup: schedule("cron(0 2 * * ? *)"),
      backupDrill: schedule("cron(0 5 ? * MON *)"),
    }),
    thresholds: section({
      health: section({
        timeoutMs: timeoutMs.default(5000),
        p95LatencyMs: p95LatencyMs.default(1500),
      }).superRefine((h, ctx) => {
        const [timeout, p95] = [valid(timeoutMs, h.timeoutMs), valid(p95LatencyMs, h.p95LatencyMs)];
        if (timeout !== undefined && p95 !== undefined && p95 >= timeout) {
          ctx.addIssue({
            code: "custom",
            path: ["p95LatencyMs"],
            input: p95,
            message: `is not below thresholds.health.timeoutMs (${timeout}); a slow probe would time out before the latency alarm could fire; expected p95LatencyMs < timeoutMs`,
          });
        }
      }, whenObject),
      // "Analyse des métriques": the week's availability of /api/health (probe minutes up / all).
      uptime: section({
        warnBelowPercent: doc(z.number().min(50).max(100), "a percentage between 50 and 100, e.g. 99.9").default(99.9),
        failBelowPercent: doc(
          z.number().min(50).max(100),
          "a percentage between 50 and 100, below warnBelowPercent, e.g. 99",
        ).default(99),
      }).superRefine((u, ctx) => {
        if (
          typeof u.warnBelowPercent === "number" &&
          typeof u.failBelowPercent === "number" &&
          u.failBelowPercent > u.warnBelowPercent
        ) {
          ctx.addIssue({
            code: "custom",
            path: ["failBelowPercent"],
            input: u.failBelowPercent,
            message: `is above thresholds.uptime.warnBelowPercent (${u.warnBelowPercent}); expected failBelowPercent <= warnBelowPercent`,
          });
        }
      }, whenObject),
    }),
    // Per-check incident levels, overriding the catalogue's defaults (lambdas/checklist/catalog.ts).
    checklists: section({
      levels: z
        .record(z.string(), z.strictObject({ warn: level.optional(), fail: level.optional() }))
        .superRefine(checkLevelKeys)
        .default({}),
    }),
    paging: section({
      level1: route(["lead-dev", "dba", "devops"], []),
      level2: route(["lead-dev", "devops"], ["lead-dev", "devops"]),
      level3: route(["lead-dev", "dba", "devops"], ["lead-dev", "dba", "devops"]),
      // Roles also paged (e-mail and SMS) by level-2 incidents and alarms about the database.
      databaseLevel2: roleList.default(["dba"]),
      // Texts (infra/sms.ts): the account's SMS settings and the runbooks' short links.
      sms: section({
        monthlySpendLimitUsd: doc(
          z.number().int().min(1),
          int(
            "US dollars a month, 1 or more; above 1, raise the account's SMS spend quota first (AWS Support case, SNS Text Messaging), or SNS refuses it",
          ),
        ).default(1),
        senderId: doc(
          z.string().regex(/^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/),
          "1 to 11 letters or digits with at least one letter (the sender name France shows), e.g. ELEGANCE",
        ).optional(),
        runbookBaseUrl: doc(
          z
            .string()
            .regex(/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/)
            .max(60),
          "an https URL of 60 characters at most, the base of the runbooks' short links in texts, e.g. https://ops.elegance-mobilite.fr/rb",
        ).optional(),
      }),
      pagerdutyRoutingKey: doc(
        z
          .string()
          .regex(/^[A-Za-z0-9]{32}$/)
          .transform(toSecret),
        "the 32-character integration key of a PagerDuty Events API v2 service",
      ).optional(),
    }),
    // "Logs à conserver": the guide's durations are minimums.
    logRetention: section({
      appDays: retentionDays(30, "the maintenance guide keeps application logs 30 days"),
      accessDays: retentionDays(90, "the maintenance guide keeps access logs 90 days"),
      securityDays: retentionDays(365, "the maintenance guide keeps security logs 1 year (365 days)"),
      metricsDays: retentionDays(731, "the maintenance guide keeps metrics 2 years (731 days)"),
      reportsDays: retentionDays(
        731,
        "maintenance reports are kept as long as the metrics they summarize, 2 years (731 days)",
      ),
    }),
    backups: section({
      objectLock: z.strictObject({
        mode: doc(
          z.enum(["GOVERNANCE", "COMPLIANCE"]),
          "GOVERNANCE or COMPLIANCE (COMPLIANCE cannot be lifted, even by root)",
          "GOVERNANCE",
        ),
        days: lockDays,
      }),
      retention: section({
        dailyDays: dailyDays.default(35),
        monthlyDays: monthlyDays.default(365),
        yearlyDays: yearlyDays.optional(),
      }).superRefine((r, ctx) => {
        const [daily, monthly, yearly] = [
          valid(dailyDays, r.dailyDays),
          valid(monthlyDays, r.monthlyDays),
          valid(yearlyDays, r.yearlyDays),
        ];
        if (daily !== undefined && monthly !== undefined && monthly <= daily) {
          ctx.addIssue({
            code: "custom",
            path: ["monthlyDays"],
            input: monthly,
            message: `is not more than backups.retention.dailyDays (${daily}); monthly backups must outlive daily ones`,
          });
        }
        if (monthly !== undefined && yearly !== undefined && yearly <= monthly) {
          ctx.addIssue({
            code: "custom",
            path: ["yearlyDays"],
            input: yearly,
            message: `is not more than backups.retention.monthlyDays (${monthly}); yearly backups must outlive monthly ones`,
          });
        }
      }, whenObject),
      noncurrentVersionDays: doc(z.number().int().min(1), int("days, 1 or more")).default(7),
      maxAgeHours: doc(z.number().int().min(1).max(168), int("hours between 1 and 168")).default(26),
      // The daily backup check's size band (against the median of the previous 7) and the drill's age.
      check: section({
        minSizeRatio: doc(
          z.number().gt(0).lt(1),
          "a fraction between 0 and 1, e.g. 0.5 (a dump half the usual size fails)",
        ).default(0.5),
        maxSizeRatio: doc(z.number().gt(1), "a multiple above 1, e.g. 2 (a dump twice the usual size warns)").default(
          2,
        ),
        drillMaxAgeDays: doc(z.number().int().min(7).max(31), int("days between 7 and 31")).default(8),
      }),
      // The backup image (pg_dump and the server of database.postgresMajor): ECR keeps the last N.
      imagesKept: doc(z.number().int().min(1).max(100), int("images between 1 and 100")).default(5),
      breakGlassRoleArn: breakGlassRoleArn.optional(),
      copy: backupsCopy.optional(),
      // Where the backup and the drill run (default lambda each), and the Fargate task's size and network.
      runner: z.strictObject({ backup: runnerKind.optional(), drill: runnerKind.optional() }).optional(),
      fargate: fargate.optional(),
    })
      .superRefine(checkRunner, whenObject)
      .superRefine((b, ctx) => {
        const days = valid(lockDays, (b.objectLock as { days?: unknown } | undefined)?.days);
        const daily = valid(dailyDays, (b.retention as { dailyDays?: unknown } | undefined)?.dailyDays);
        if (days !== undefined && daily !== undefined && days > daily) {
          ctx.addIssue({
            code: "custom",
            path: ["objectLock", "days"],
            input: days,
            message: `is more than backups.retention.dailyDays (${daily}); a daily backup stays locked that long, so the lifecycle rule could not expire it; expected objectLock.days <= retention.dailyDays`,
          });
        }
      }, whenObject),
    database: section({
      url: doc(z.string().superRefine(checked(databaseUrlProblem)).transform(toSecret), "a postgresql:// URL"),
      postgresMajor: doc(
        z.literal([15, 17]),
        "15 or 17, the PostgreSQL major version the Supabase project runs",
      ).default(15),
      thresholds: databaseThresholds.default({}),
      // The role the Lambdas and tasks connect as (created by the stack, least privilege).
      maintenanceRole: doc(
        z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
        "a PostgreSQL role name: lowercase letters, digits and _, e.g. elegance_ops_maintenance",
      ).default("elegance_ops_maintenance"),
      // Supabase's root CA (Project Settings → Database → SSL): TLS is then verified, not just encrypted.
      caCert: doc(
        z
          .string()
          .trim()
          .regex(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/),
        "a PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----), e.g. Supabase's prod-ca-2021.crt",
      ).optional(),
      // "Nettoyage" (monthly): the guide's ages, and rows per transaction.
      tasks: section({
        sessionsExpiredDays: doc(z.number().int().min(1), int("days, 1 or more")).default(30),
        sessionsInactiveDays: doc(z.number().int().min(1), int("days, 1 or more")).optional(),
        ridesOlderThanMonths: doc(z.number().int().min(1), int("months, 1 or more")).default(6),
        batchSize: doc(z.number().int().min(100).max(100_000), int("rows between 100 and 100000")).default(5000),
        // Rides other tables reference stay in rides, unless those tables are listed here to move with them.
        archive: z
          .strictObject({
            withDependents: doc(
              z.array(
                doc(
                  z.string().regex(/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/),
                  "a schema-qualified table referencing public.rides (or a listed table), e.g. public.ride_payments",
                ),
              ),
              "a list of tables whose rows move to <table>_archive with their ride, e.g. [public.ride_payments]",
            ).default([]),
          })
          .optional(),
        // "Nettoyage des données temporaires" (weekly).
        temporaryData: z
          .array(
            z.strictObject({
              table: doc(
                z.string().regex(/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/),
                "a schema-qualified table, e.g. public.ride_quotes",
              ),
              column: doc(z.string().regex(/^[a-z_][a-z0-9_]*$/), "the timestamp column dating a row, e.g. created_at"),
              maxAgeDays: doc(z.number().int().min(1), int("days, 1 or more")),
            }),
          )
          .default([]),
      }),
    }),
    contacts: doc(
      z
        .array(contact)
        .min(1)
        .superRefine(checkContacts, { when: (p) => Array.isArray(p.value) }),
      "a non-empty list of contacts, each {name, role, email, phone}, with at least a lead-dev and a devops",
    ),
    vendors: section({
      supabaseSupport: email("an e-mail address, e.g. support@supabase.io").default("support@supabase.io"),
      vercelSupport: email("an e-mail address, e.g. support@vercel.com").default("support@vercel.com"),
    }),
    vercel: vercel.optional(),
    // Per function: timeout, retries of a failed run, opt-in reserved concurrency (./functions.ts).
    functions: section(
      Object.fromEntries(Object.entries(functionsShape(doc)).map(([name, shape]) => [name, section(shape)])) as {
        [K in keyof ReturnType<typeof functionsShape>]: ReturnType<
          typeof section<ReturnType<typeof functionsShape>[K]>
        >;
      },
    ).superRefine(checkListTimeouts, whenObject),
    security,
    access,
    // The weekly report, the metrics export and the business metrics (./reports.ts).
    ...reportSchemas(doc),
  })
  .superRefine(checkCopyRegion, whenObject);
