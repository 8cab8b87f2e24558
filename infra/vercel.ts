// The app side on Vercel: the log drain that feeds the daily log check ("Vérifier les logs
// d'erreur") and the Edge Config whose `maintenance` flag the app's middleware reads ("mode
// maintenance", level 3). All of it through one explicit provider, from the `vercel` config block.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as vercel from "@pulumiverse/vercel";
import { MAINTENANCE_ITEM } from "../lambdas/core/contract";
import type { StackConfig } from "./config";

export type VercelSettings = NonNullable<StackConfig["vercel"]>;

/** What the drain's endpoint must know before Vercel calls it (at the drain's creation). */
export interface DrainEndpointInputs {
  /** Answered in the `x-vercel-verify` header; Vercel checks it when the drain is created. */
  verificationCode: pulumi.Output<string>;
  /** The reference (`<arn>#<key>`) of the drain's signature secret in the stack's runtime secret. */
  secretArn: pulumi.Output<string>;
}

/** The function behind the drain (LogIngest): its public URL, and itself to depend on. */
export interface DrainEndpoint extends pulumi.Resource {
  url: aws.lambda.FunctionUrl;
}

/** The drain's password, its reference in the runtime secret, and that secret's value to wait for. */
export interface DrainSecret {
  password: random.RandomPassword;
  ref: pulumi.Output<string>;
  value: aws.secretsmanager.SecretVersion;
}

/** Vercel signs each delivery with this password; made before the runtime secret that stores it. */
export const drainPassword = (app: string) =>
  new random.RandomPassword(`${app}-log-drain-secret`, { length: 48, special: false });

export interface VercelArgs {
  /** The app's name: names the Edge Config (by default), the drain and the secret. @example "elegance-mobilite" */
  app: string;
  settings: VercelSettings;
  /** The drain's signature secret (`drainPassword`), stored in the stack's runtime secret, with `logDrain.enabled`. */
  drainSecret?: DrainSecret;
  /** Creates the drain's endpoint once its verification code and secret exist (only with `logDrain.enabled`). */
  drainEndpoint: (inputs: DrainEndpointInputs) => DrainEndpoint;
}

/** The variable `@vercel/edge-config` reads by default. */
export const EDGE_CONFIG_ENV = "EDGE_CONFIG";

export class Vercel extends pulumi.ComponentResource {
  readonly provider: vercel.Provider;
  /** The project's id (`prj_…`), looked up when the config names the project. */
  readonly projectId: pulumi.Output<string>;
  readonly edgeConfig: vercel.EdgeConfig;
  readonly maintenance: vercel.EdgeConfigItem;
  readonly readToken: vercel.EdgeConfigToken;
  readonly edgeConfigEnv: vercel.ProjectEnvironmentVariable;
  /** The drain and what it needs, with `logDrain.enabled` (a drain needs a Pro team). */
  readonly drain?: {
    password: random.RandomPassword;
    secretValue: aws.secretsmanager.SecretVersion;
    endpoint: DrainEndpoint;
    logDrain: vercel.LogDrain;
  };

  constructor(name: string, args: VercelArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:vercel:Vercel", name, {}, opts);
    const { app, settings } = args;
    this.provider = new vercel.Provider(
      `${app}-vercel`,
      { apiToken: settings.token, team: settings.teamId },
      { parent: this },
    );
    this.projectId = this.lookUpProject(settings.projectId);
    ({
      edgeConfig: this.edgeConfig,
      maintenance: this.maintenance,
      readToken: this.readToken,
    } = this.createEdgeConfig(app, settings));
    this.edgeConfigEnv = this.createEdgeConfigEnv(app, settings);
    if (settings.logDrain.enabled) {
      if (!args.drainSecret) throw new Error(`vercel.logDrain.enabled: the drain's secret (drainSecret) is missing`);
      const { password, ref, value: secretValue } = args.drainSecret;
      const verification = vercel.getEndpointVerificationOutput({}, { parent: this, provider: this.provider });
      const endpoint = args.drainEndpoint({ verificationCode: verification.verificationCode, secretArn: ref });
      this.drain = {
        password,
        secretValue,
        endpoint,
        logDrain: this.createLogDrain(app, settings, { password, secretValue, endpoint }),
      };
    }
    this.registerOutputs({ edgeConfigId: this.edgeConfig.id, logDrainId: this.drain?.logDrain.id });
  }

  private get opts(): pulumi.CustomResourceOptions {
    return { parent: this, provider: this.provider };
  }

  private lookUpProject(project: string): pulumi.Output<string> {
    if (project.startsWith("prj_")) return pulumi.output(project);
    return vercel.getProjectOutput({ name: project }, { parent: this, provider: this.provider }).id;
  }

  /** The flag starts false; `pulumi up` never writes it again (ops maintenance on|off owns it). */
  private createEdgeConfig(app: string, settings: VercelSettings) {
    const edgeConfig = new vercel.EdgeConfig(
      `${app}-edge-config`,
      { name: settings.edgeConfig.name ?? app },
      this.opts,
    );
    const maintenance = new vercel.EdgeConfigItem(
      `${app}-maintenance-flag`,
      // A JSON boolean (valueJson), not the string "false" (value), so `get("maintenance") === true` reads it.
      { edgeConfigId: edgeConfig.id, key: MAINTENANCE_ITEM, valueJson: false },
      { ...this.opts, ignoreChanges: ["value", "valueJson"] },
    );
    const readToken = new vercel.EdgeConfigToken(
      `${app}-edge-config-token`,
      { edgeConfigId: edgeConfig.id, label: `${app}-middleware` },
      this.opts,
    );
    return { edgeConfig, maintenance, readToken };
  }

  /** The connection string the middleware's Edge Config client reads; sensitive, so unreadable back. */
  private createEdgeConfigEnv(app: string, settings: VercelSettings): vercel.ProjectEnvironmentVariable {
    return new vercel.ProjectEnvironmentVariable(
      `${app}-edge-config-env`,
      {
        projectId: this.projectId,
        key: EDGE_CONFIG_ENV,
        value: pulumi.secret(
          pulumi.interpolate`https://edge-config.vercel.com/${this.edgeConfig.id}?token=${this.readToken.token}`,
        ),
        sensitive: true,
        targets: settings.envVarTargets,
        comment: "elegance-ops: Edge Config holding the maintenance flag (read by the middleware)",
      },
      this.opts,
    );
  }

  /** Created after its endpoint and the secret it checks: Vercel verifies the URL (x-vercel-verify) on creation. */
  private createLogDrain(
    app: string,
    settings: VercelSettings,
    on: { password: random.RandomPassword; secretValue: aws.secretsmanager.SecretVersion; endpoint: DrainEndpoint },
  ): vercel.LogDrain {
    return new vercel.LogDrain(
      `${app}-log-drain`,
      {
        name: `${app}-logs`,
        deliveryFormat: settings.logDrain.deliveryFormat,
        sources: settings.logDrain.sources,
        environments: settings.logDrain.environments,
        projectIds: [this.projectId],
        secret: pulumi.secret(on.password.result),
        endpoint: on.endpoint.url.functionUrl,
      },
      { ...this.opts, dependsOn: [on.endpoint, on.secretValue] },
    );
  }
}
