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
  private readonly prefix: string;

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:secrets:Secrets", name, {}, opts);
    this.prefix = name;
    this.databaseUrl = this.createSecret("database-url", "Connection string of the production database (direct or session-mode, never the transaction pooler)", args.databaseUrl, args.kmsKeyArn);
    // pg_dump must read every table, which the least-privilege maintenance role cannot: only the backup function may read this one.
    this.backupDatabaseUrl = this.createSecret("backup-database-url", "Connection string the backup dumps with (a role that reads every table; direct or session-mode)", args.backupDatabaseUrl, args.kmsKeyArn);
    if (args.pagerdutyRoutingKey) {
      this.pagerdutyRoutingKey = this.createSecret("pagerduty-routing-key", "Integration key of the PagerDuty service pages are forwarded to (Events API v2)", args.pagerdutyRoutingKey, args.kmsKeyArn);
    }
    this.registerOutputs({ databaseUrlArn: this.databaseUrl.arn, pagerdutyRoutingKeyArn: this.pagerdutyRoutingKey?.arn });
  }

  private createSecret(id: string, description: string, value: pulumi.Input<string>, kmsKeyArn: pulumi.Input<string>) {
    const secret = new aws.secretsmanager.Secret(
      `${this.prefix}-${id}`,
      { name: `${this.prefix}/${id}`, description, kmsKeyId: kmsKeyArn, recoveryWindowInDays: 7 },
      { parent: this },
    );
    new aws.secretsmanager.SecretVersion(
      `${this.prefix}-${id}-value`,
      { secretId: secret.id, secretString: pulumi.secret(value) },
      { parent: this },
    );
    return secret;
  }
}
