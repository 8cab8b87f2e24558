// What a check or task needs from the outside world, as data. A catalogue entry declares it
// once; from it infra/ derives the Lambda's environment and IAM statements (infra/needs.ts),
// the handler builds its TaskInputs (core/inputs.ts) and the CLI its flags (bin/ops/inputs.ts).
import { ENV } from "./contract";

/** An input given per deployment (a resource the stack made) or per run (a CLI flag). */
export type InputName = "appUrl" | "databaseUrl" | "logsBucket" | "backupsBucket";

/**
 * A group of non-secret settings of the stack config, each carried by Lambda variables (the
 * values come from infra/config/settings.ts, for the Lambdas and the CLI alike).
 */
export type SettingName =
  | "health"
  | "uptime"
  | "databaseThresholds"
  | "databaseTasks"
  | "databaseCaCert"
  | "backupThresholds"
  | "logDrain"
  | "security"
  | "access"
  | "businessMetrics";

export interface Needs {
  inputs?: readonly InputName[];
  settings?: readonly SettingName[];
  /** Prefixes of the logs bucket: listed only, read (listed and fetched), written. */
  logs?: { list?: readonly string[]; read?: readonly string[]; write?: readonly string[] };
  /** Reads the backups (list and fetch under the backup prefixes). */
  readsBackups?: boolean;
  /** Reads CloudWatch metrics (GetMetricData, which has no resource-level permission). */
  readsMetrics?: boolean;
  /**
   * Reads what the Vercel log drain delivered, when the stack has one: its settings and read
   * access to its prefixes are added only then.
   */
  readsLogDrain?: boolean;
  /**
   * Read-only AWS API actions it calls beyond S3 and CloudWatch, e.g. `iam:GetCredentialReport`
   * (account-level: IAM's reports and listings have no narrower resource).
   */
  awsRead?: readonly string[];
  /**
   * Third-party API tokens it reads when the stack has them (keys of the runtime secret): only
   * a list with a check that reads a token gets its reference and the grant.
   */
  tokens?: readonly TokenName[];
}

/** The third-party tokens a check may read (each optional in the stack config). */
export type TokenName = "vercelToken" | "supabaseToken" | "snykToken" | "githubToken";

export interface InputSpec {
  /** The variable of the CLI (and of a shell running it) that holds the value. */
  env: string;
  /** In a Lambda a secret arrives as a reference to it in Secrets Manager (`<arn>#<key>`), in this variable. */
  secretArnEnv?: string;
  /** commander syntax. */
  flag: string;
  description: string;
}

export const INPUTS: Record<InputName, InputSpec> = {
  appUrl: {
    env: ENV.appUrl,
    flag: "--app-url <url>",
    description: "https origin of the app, e.g. https://www.elegance-mobilite.fr",
  },
  databaseUrl: {
    env: "DATABASE_URL",
    secretArnEnv: ENV.databaseUrlSecretArn,
    flag: "--database-url <url>",
    description: "postgresql:// URL of the database (direct or session-mode connection)",
  },
  logsBucket: {
    env: ENV.logsBucket,
    flag: "--logs-bucket <name>",
    description: "bucket of logs and reports (run records go under reports/)",
  },
  backupsBucket: { env: ENV.backupsBucket, flag: "--backups-bucket <name>", description: "bucket of database backups" },
};

/** The variables each setting group is carried by. */
export const SETTINGS: Record<SettingName, readonly string[]> = {
  health: [ENV.healthPath, ENV.healthTimeoutMs, ENV.p95LatencyMs],
  uptime: [ENV.uptimeThresholds, ENV.p95LatencyMs],
  databaseThresholds: [ENV.databaseThresholds],
  databaseTasks: [ENV.databaseTasks],
  databaseCaCert: [ENV.databaseCaCert],
  backupThresholds: [ENV.backupThresholds],
  logDrain: [ENV.logDrainEnabled, ENV.logThresholds],
  security: [ENV.securitySettings],
  access: [ENV.accessSettings],
  businessMetrics: [ENV.businessMetrics],
};

/** What the database checks and tasks all need. */
export const DATABASE_NEEDS: Needs = {
  inputs: ["databaseUrl"],
  settings: ["databaseThresholds", "databaseTasks", "databaseCaCert"],
};

const union = <T>(lists: (readonly T[] | undefined)[]): T[] => [...new Set(lists.flatMap((l) => l ?? []))];

/** The needs of several checks together (a list's function runs them all). */
export function mergeNeeds(all: readonly Needs[]): Needs {
  return {
    inputs: union(all.map((n) => n.inputs)),
    settings: union(all.map((n) => n.settings)),
    logs: {
      list: union(all.map((n) => n.logs?.list)),
      read: union(all.map((n) => n.logs?.read)),
      write: union(all.map((n) => n.logs?.write)),
    },
    readsBackups: all.some((n) => n.readsBackups),
    readsMetrics: all.some((n) => n.readsMetrics),
    readsLogDrain: all.some((n) => n.readsLogDrain),
    awsRead: union(all.map((n) => n.awsRead)),
    tokens: union(all.map((n) => n.tokens)),
  };
}
