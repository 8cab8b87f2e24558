import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The keys of the stack's runtime secret, one per value; a key is present only when its value is configured. */
export interface RuntimeSecretValues {
  /** The maintenance role's connection string (the lists' database checks). */
  databaseUrl: pulumi.Input<string>;
  /** The level → phone numbers table the SMS formatter texts (JSON). */
  smsPhones: pulumi.Input<string>;
  /** PagerDuty's integration key, when pages are forwarded there (optional). */
  pagerdutyRoutingKey?: pulumi.Input<string>;
  /** The Vercel token, when the vercel block is set: the security checks read the app's lock-file and team with it. */
  vercelToken?: pulumi.Input<string>;
  /** The Supabase Management API token (access.supabaseToken), when set: the access review reads the organization's members. */
  supabaseToken?: pulumi.Input<string>;
  /** The Snyk API token (security.snykToken), when set: the weekly scan also asks Snyk. */
  snykToken?: pulumi.Input<string>;
  /** The GitHub token (security.github.token), when set: the weekly scan reads a private repository's lock-file. */
  githubToken?: pulumi.Input<string>;
  /** The log drain's signature secret, when the drain is on. */
  logDrainSecret?: pulumi.Input<string>;
  /** The weekly report's recipients (JSON array of addresses), when the report is mailed. */
  reportRecipients?: pulumi.Input<string>;
}
export type RuntimeSecretKey = keyof RuntimeSecretValues;

export interface SecretsArgs {
  values: RuntimeSecretValues;
  /**
   * The URL the backup dumps with: a role that reads every table (Supabase's postgres, config
   * database.url). Kept in a secret of its own: IAM cannot scope a read to one key of a secret.
   */
  backupDatabaseUrl: pulumi.Input<string>;
  /** The stack's customer-managed key (from Storage), so the secrets are encrypted with it. */
  kmsKeyArn: pulumi.Input<string>;
}

/** `<secret ARN>#<key>`: what a Lambda's `*_SECRET_ARN` variable holds (lambdas/lib/secrets.ts reads it). */
export const secretRef = (arn: pulumi.Input<string>, key: string) => pulumi.interpolate`${arn}#${key}`;

/** The secret a reference names, for IAM (a plain ARN is its own secret). */
export const secretArnOf = (ref: string) => ref.split("#")[0];

/**
 * Which secret holds each key. One secret per audience ($0.40 a month each), because IAM grants
 * a whole secret, never one key: the check-lists' database URL and API tokens are out of reach
 * of the functions that face the outside (the public log ingest, the SMS formatter, the PagerDuty
 * forwarder, the report's mailer), which read only the messaging values.
 */
const SECRET_OF: Record<RuntimeSecretKey, "runtime" | "messaging"> = {
  databaseUrl: "runtime",
  vercelToken: "runtime",
  supabaseToken: "runtime",
  snykToken: "runtime",
  githubToken: "runtime",
  smsPhones: "messaging",
  pagerdutyRoutingKey: "messaging",
  logDrainSecret: "messaging",
  reportRecipients: "messaging",
};

const DESCRIPTIONS = {
  runtime: "What the check-lists read: the maintenance role's database URL and the API tokens; one JSON key each",
  messaging:
    "What the paging and log functions read: phone numbers, PagerDuty key, drain signature, report recipients; one JSON key each",
};

/**
 * The runtime secrets of the stack, in AWS Secrets Manager: two JSON secrets holding every
 * configured value under its key (SECRET_OF), and the backup's admin URL apart.
 * Lambdas get read access to the secret they need and fetch it at run time: no secret ever
 * sits in a Lambda's environment variables or in a log line.
 */
export class Secrets extends pulumi.ComponentResource {
  /** The check-lists' secret: database URL, API tokens. */
  readonly runtime: aws.secretsmanager.Secret;
  /** The paging and log functions' secret: phone numbers, PagerDuty key, drain signature, recipients. */
  readonly messaging: aws.secretsmanager.Secret;
  /** The messaging secret's value: what must exist only once the values do (the Vercel drain) depends on it. */
  readonly messagingVersion: aws.secretsmanager.SecretVersion;
  readonly backupDatabaseUrl: aws.secretsmanager.Secret;
  private readonly keys: Set<RuntimeSecretKey>;

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:secrets:Secrets", name, {}, opts);
    // Only the configured keys: nothing of Vercel, Supabase, Snyk or PagerDuty is stored otherwise.
    const present = Object.entries(args.values).filter(([, v]) => v !== undefined) as [
      RuntimeSecretKey,
      pulumi.Input<string>,
    ][];
    this.keys = new Set(present.map(([k]) => k));
    const stored = (group: "runtime" | "messaging") => {
      const own = present.filter(([k]) => SECRET_OF[k] === group);
      return storedSecret(
        this,
        name,
        group,
        `${DESCRIPTIONS[group]}: ${own.map(([k]) => k).join(", ")}`,
        pulumi
          .all(own.map(([, v]) => v))
          .apply((values) => JSON.stringify(Object.fromEntries(own.map(([k], i) => [k, values[i]])))),
        args.kmsKeyArn,
      );
    };
    this.runtime = stored("runtime").secret;
    ({ secret: this.messaging, version: this.messagingVersion } = stored("messaging"));
    // pg_dump must read every table, which the least-privilege maintenance role cannot: only the backup function may read this one.
    this.backupDatabaseUrl = storedSecret(
      this,
      name,
      "backup-database-url",
      "Connection string the backup dumps with (a role that reads every table; direct or session-mode)",
      args.backupDatabaseUrl,
      args.kmsKeyArn,
    ).secret;
    this.registerOutputs({ runtimeArn: this.runtime.arn, messagingArn: this.messaging.arn });
  }

  /** The reference of a key for a `*_SECRET_ARN` variable, or undefined when the key is not configured. */
  ref(key: RuntimeSecretKey): pulumi.Output<string> | undefined {
    if (!this.keys.has(key)) return undefined;
    return secretRef((SECRET_OF[key] === "runtime" ? this.runtime : this.messaging).arn, key);
  }
}

/**
 * One secret: `<prefix>/<id>` in Secrets Manager under the stack's key, its value a Pulumi
 * secret. The version is returned too, for what must exist only once the value does.
 */
export function storedSecret(
  parent: pulumi.Resource,
  prefix: string,
  id: string,
  description: string,
  value: pulumi.Input<string>,
  kmsKeyArn: pulumi.Input<string>,
) {
  const secret = new aws.secretsmanager.Secret(
    `${prefix}-${id}`,
    { name: `${prefix}/${id}`, description, kmsKeyId: kmsKeyArn, recoveryWindowInDays: 7 },
    { parent },
  );
  const version = new aws.secretsmanager.SecretVersion(
    `${prefix}-${id}-value`,
    { secretId: secret.id, secretString: pulumi.secret(value) },
    { parent },
  );
  return { secret, version };
}
