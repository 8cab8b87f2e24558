import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface SecretsArgs {
  /**
   * The database's connection string, a Pulumi secret from the stack config.
   * @example pulumi config set --secret --path 'database.url' 'postgresql://…'
   */
  databaseUrl: pulumi.Input<string>;
  /** The URL the backup dumps with: a role that reads every table (Supabase's postgres, config database.url). */
  backupDatabaseUrl: pulumi.Input<string>;
  /** PagerDuty's integration key, when pages are forwarded there (optional). */
  pagerdutyRoutingKey?: pulumi.Input<string>;
  /** The Vercel token, when the vercel block is set: the security checks read the app's lock-file and team with it. */
  vercelToken?: pulumi.Input<string>;
  /** The Supabase Management API token (access.supabaseToken), when set: the access review reads the organization's members. */
  supabaseToken?: pulumi.Input<string>;
  /** The Snyk API token (security.snykToken), when set: the weekly scan also asks Snyk. */
  snykToken?: pulumi.Input<string>;
  /** The stack's customer-managed key (from Storage), so the secret is encrypted with it. */
  kmsKeyArn: pulumi.Input<string>;
}

/**
 * The runtime secrets of the stack, in AWS Secrets Manager. Lambdas get read access to the
 * one secret they need and fetch it at run time: no secret ever sits in a Lambda's
 * environment variables or in a log line.
 */
export class Secrets extends pulumi.ComponentResource {
  readonly databaseUrl: aws.secretsmanager.Secret;
  readonly backupDatabaseUrl: aws.secretsmanager.Secret;
  readonly pagerdutyRoutingKey?: aws.secretsmanager.Secret;
  readonly vercelToken?: aws.secretsmanager.Secret;
  readonly supabaseToken?: aws.secretsmanager.Secret;
  readonly snykToken?: aws.secretsmanager.Secret;

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:secrets:Secrets", name, {}, opts);
    this.databaseUrl = storedSecret(
      this,
      name,
      "database-url",
      "Connection string of the production database (direct or session-mode, never the transaction pooler)",
      args.databaseUrl,
      args.kmsKeyArn,
    ).secret;
    // pg_dump must read every table, which the least-privilege maintenance role cannot: only the backup function may read this one.
    this.backupDatabaseUrl = storedSecret(
      this,
      name,
      "backup-database-url",
      "Connection string the backup dumps with (a role that reads every table; direct or session-mode)",
      args.backupDatabaseUrl,
      args.kmsKeyArn,
    ).secret;
    if (args.pagerdutyRoutingKey) {
      this.pagerdutyRoutingKey = storedSecret(
        this,
        name,
        "pagerduty-routing-key",
        "Integration key of the PagerDuty service pages are forwarded to (Events API v2)",
        args.pagerdutyRoutingKey,
        args.kmsKeyArn,
      ).secret;
    }
    // Only when configured: nothing of Vercel or Supabase is stored otherwise.
    if (args.vercelToken)
      this.vercelToken = storedSecret(
        this,
        name,
        "vercel-token",
        "Vercel token of the app's team, read by the security checks",
        args.vercelToken,
        args.kmsKeyArn,
      ).secret;
    if (args.supabaseToken)
      this.supabaseToken = storedSecret(
        this,
        name,
        "supabase-token",
        "Supabase Management API token, read by the monthly access review",
        args.supabaseToken,
        args.kmsKeyArn,
      ).secret;
    if (args.snykToken)
      this.snykToken = storedSecret(
        this,
        name,
        "snyk-token",
        "Snyk API token, read by the weekly vulnerability scan",
        args.snykToken,
        args.kmsKeyArn,
      ).secret;
    this.registerOutputs({
      databaseUrlArn: this.databaseUrl.arn,
      pagerdutyRoutingKeyArn: this.pagerdutyRoutingKey?.arn,
    });
  }
}

/**
 * One runtime secret: `<prefix>/<id>` in Secrets Manager under the stack's key, its value a
 * Pulumi secret. The version is returned too, for what must exist only once the value does.
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
