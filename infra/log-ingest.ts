// "Vérifier les logs d'erreur" (daily, `pm2 logs`) on Vercel: the log drain posts to this
// function's URL; it checks Vercel's signature, writes each delivery under app/ (30 d) or
// access/ (90 d) of the logs bucket and emits error, 5xx and latency metrics, which page here.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DIMENSION, ENV, Level, METRIC, VERCEL_LOGS_PREFIX } from "../lambdas/core/contract";
import { burstAlarm, errorsAlarm, LevelTopics, p95Alarm, stackMetric } from "./alarms";
import { SLOW_RESPONSES } from "./runbooks";
import type { PolicyStatement } from "./storage/policies";
import { createTaskFunction, type FunctionBase, TaskFunction } from "./task-function";

export interface LogIngestArgs {
  /** The app's name: prefixes the function and alarms. @example "elegance-mobilite" */
  app: string;
  base: FunctionBase;
  /** Where the deliveries are written. */
  logsBucket: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
  topics: LevelTopics;
  /** Vercel's endpoint verification code, answered in `x-vercel-verify` (not a secret). */
  verificationCode: pulumi.Input<string>;
  /** The Secrets Manager secret holding the drain's signature secret (read at run time). */
  drainSecretArn: pulumi.Input<string>;
  /** Largest delivery accepted, in bytes. @example 1048576 */
  maxBodyBytes: number;
  /** The daily check's thresholds: as many in 5 minutes as its `warn` count for a whole day pages. */
  thresholds: { errorLinesWarn: number; http5xxWarn: number };
  /** Request p95 (ms) above which the app is called slow; the health probe's threshold. */
  p95LatencyMs: number;
  /**
   * At most this many deliveries at once, so a flood can't run up costs; reserving needs the
   * account's concurrency quota above 10 + this (`functions.log-ingest.reservedConcurrency`).
   * @default none (a new account has 10 in all, all of which must stay unreserved)
   */
  reservedConcurrency?: number;
  /** Level of each alarm. @default { errors: 2, http5xx: 2, errorLines: 1, slow: 2, tooLarge: 1 } */
  levels?: Partial<Record<"errors" | "http5xx" | "errorLines" | "slow" | "tooLarge", Level>>;
}

/** What the person paged reads when the app answers errors (the drain's view of it). */
export const APP_ERRORS = [
  "Vercel › Logs du projet (filtre 5xx / error) ou s3://<logs>/app/vercel/<aaaa>/<mm>/<jj>/ : quel chemin, depuis quand ?",
  "Vercel › Deployments : un déploiement récent coïncide ? Rollback : npm run ops -- rollback --dry-run, puis sans --dry-run",
  "Supabase Dashboard › Database : la base répond-elle ? prévenir le DBA si elle est en cause",
];

/** The ingest itself fails: deliveries are lost until fixed (Vercel retries a little, then drops). */
export function ingestRunbook(functionName: string): string[] {
  return [
    `CloudWatch Logs /aws/lambda/${functionName} : erreurs d'écriture S3, de secret ou de signature`,
    "Vercel › Team Settings › Log Drains : état du drain (erreurs de livraison, drain désactivé ?)",
    "Signature refusée en masse : le secret du drain et celui de Secrets Manager diffèrent ; pulumi up les réaligne",
  ];
}

/** Least privilege: put objects under the two Vercel prefixes of the logs bucket, nothing else of it. */
export function ingestStatements(logsBucketArn: string): PolicyStatement[] {
  return [
    {
      Sid: "WriteDrainDeliveries",
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: [`${logsBucketArn}/${VERCEL_LOGS_PREFIX.app}*`, `${logsBucketArn}/${VERCEL_LOGS_PREFIX.access}*`],
    },
  ];
}

export class LogIngest extends pulumi.ComponentResource {
  readonly function: TaskFunction;
  readonly url: aws.lambda.FunctionUrl;
  readonly alarms: Record<"errors" | "http5xx" | "errorLines" | "slow" | "tooLarge", aws.cloudwatch.MetricAlarm>;
  readonly functionName: string;

  constructor(name: string, args: LogIngestArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:log-ingest:LogIngest", name, {}, opts);
    this.functionName = `${args.app}-log-ingest`;
    this.function = this.createFunction(args);
    this.url = this.createUrl();
    this.alarms = this.createAlarms(args);
    this.registerOutputs({ functionName: this.function.fn.name, url: this.url.functionUrl });
  }

  private createFunction(args: LogIngestArgs): TaskFunction {
    return createTaskFunction(
      this.functionName,
      {
        handler: "log-ingest",
        functionName: this.functionName,
        environment: {
          [ENV.appName]: args.app,
          [ENV.logsBucket]: args.logsBucket.name,
          [ENV.logDrainSecretArn]: args.drainSecretArn,
          [ENV.vercelVerifyCode]: args.verificationCode,
          [ENV.logDrainMaxBytes]: String(args.maxBodyBytes),
        },
        statements: pulumi.output(args.logsBucket.arn).apply(ingestStatements),
        secretArns: [args.drainSecretArn],
        // A delivery is parsed whole (all or nothing) and gzipped: room for a large one.
        memorySize: 512,
        timeout: 30,
        reservedConcurrency: args.reservedConcurrency,
        ...args.base,
      },
      this,
    );
  }

  /**
   * Vercel cannot sign requests with SigV4: the URL is public (auth NONE) and the handler
   * refuses anything without a valid `x-vercel-signature` before reading it.
   */
  private createUrl(): aws.lambda.FunctionUrl {
    const fn = this.function.fn;
    // Since October 2025 a public URL needs both permissions, the second limited to URL calls.
    const invokeUrl = new aws.lambda.Permission(
      `${this.functionName}-url-permission`,
      { function: fn.name, action: "lambda:InvokeFunctionUrl", principal: "*", functionUrlAuthType: "NONE" },
      { parent: this },
    );
    const invoke = new aws.lambda.Permission(
      `${this.functionName}-url-invoke-permission`,
      { function: fn.name, action: "lambda:InvokeFunction", principal: "*", invokedViaFunctionUrl: true },
      { parent: this },
    );
    return new aws.lambda.FunctionUrl(
      `${this.functionName}-url`,
      { functionName: fn.name, authorizationType: "NONE", invokeMode: "BUFFERED" },
      { parent: this, dependsOn: [invokeUrl, invoke] },
    );
  }

  private createAlarms(args: LogIngestArgs): LogIngest["alarms"] {
    const { app } = args;
    const levels = { errors: 2, http5xx: 2, errorLines: 1, slow: 2, tooLarge: 1, ...args.levels } as const;
    const target = { topics: args.topics, opts: { parent: this } };
    const metric = (name: string) => stackMetric(name, { [DIMENSION.app]: app });
    const { http5xxWarn, errorLinesWarn } = args.thresholds;
    return {
      errors: errorsAlarm(
        target,
        {
          name: `${this.functionName}-errors`,
          level: levels.errors,
          problem: `L'ingestion des logs Vercel (${this.functionName}) a échoué : des livraisons du drain sont perdues.`,
          runbook: ingestRunbook(this.functionName),
        },
        this.function.fn.name,
      ),
      // A delivery over LOG_DRAIN_MAX_BYTES is refused (413): those logs are lost.
      tooLarge: burstAlarm(
        target,
        {
          name: `${this.functionName}-deliveries-too-large`,
          level: levels.tooLarge,
          problem: `Des livraisons du drain Vercel dépassent ${args.maxBodyBytes} octets et sont refusées (413) : ces logs sont perdus.`,
          runbook: [
            `CloudWatch Logs /aws/lambda/${this.functionName} : la taille des livraisons refusées`,
            `Relever vercel.logDrain.maxBodyBytes (jusqu'à 6000000, la limite d'une Function URL) puis pulumi up`,
            "Au-delà : réduire les sources du drain (vercel.logDrain.sources) ou les logs de l'app",
          ],
        },
        metric(METRIC.logDeliveriesTooLarge),
        1,
      ),
      http5xx: burstAlarm(
        target,
        {
          name: `${app}-app-5xx`,
          level: levels.http5xx,
          problem: `Erreurs serveur : au moins ${http5xxWarn} réponses 5xx en 5 minutes (le seuil d'alerte d'une journée entière).`,
          runbook: APP_ERRORS,
        },
        metric(METRIC.http5xxResponses),
        http5xxWarn,
      ),
      errorLines: burstAlarm(
        target,
        {
          name: `${app}-app-error-lines`,
          level: levels.errorLines,
          problem: `Logs d'erreur : au moins ${errorLinesWarn} lignes d'erreur en 5 minutes (le seuil d'alerte d'une journée entière).`,
          runbook: APP_ERRORS,
        },
        metric(METRIC.logErrorLines),
        errorLinesWarn,
      ),
      slow: p95Alarm(
        target,
        {
          name: `${app}-app-requests-slow`,
          level: levels.slow,
          problem: `Performance dégradée : durée p95 des requêtes servies au-dessus de ${args.p95LatencyMs} ms depuis 15 minutes.`,
          runbook: SLOW_RESPONSES,
        },
        metric(METRIC.requestDuration),
        args.p95LatencyMs,
        { period: 300, periods: 3 },
      ),
    };
  }
}
