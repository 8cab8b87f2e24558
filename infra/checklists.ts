// "Annexes › Check-lists": the daily, weekly and monthly lists, each a ScheduledTask running its
// handler in lambdas/handlers/. What each function may do and the variables it gets are derived
// from its checks' declared needs (lambdas/core/needs.ts, infra/needs.ts): no case per check here.
import * as pulumi from "@pulumi/pulumi";
import { CHECKLIST_NAMES, CHECKLISTS, checklistNeeds, type ChecklistName } from "../lambdas/checklist/catalog";
import type { CheckLevels } from "../lambdas/core/check";
import { ENV } from "../lambdas/core/contract";
import type { SettingName, TokenName } from "../lambdas/core/needs";
import type { LevelTopics } from "./alarms";
import { effectiveNeeds, inputVariables, needsStatements } from "./needs";
import { LEVEL_NUMBERS } from "./paging";
import { ScheduledTask, type ScheduledTaskArgs } from "./scheduled-task";
import type { FunctionBase } from "./task-function";

/** A bucket as the lists need it: its name for the code, its ARN for the grants. */
export interface BucketRef {
  name: pulumi.Input<string>;
  arn: pulumi.Input<string>;
}

export interface ChecklistsArgs {
  /** The app's name: prefixes the functions, schedules and alarms. @example "elegance-mobilite" */
  app: string;
  base: FunctionBase;
  /** When each list runs, in `timezone`. @example { daily: "cron(0 7 * * ? *)", weekly: "cron(0 8 ? * MON *)", monthly: "cron(0 3 1 * ? *)" } */
  schedules: Record<ChecklistName, string>;
  /** @example "Europe/Paris" */
  timezone: string;
  /** The paging topics: incidents of the checks and the functions' own alarms. */
  topics: LevelTopics;
  /** The app's https origin (checks that call the app). */
  appUrl: string;
  logsBucket: BucketRef;
  backupsBucket: BucketRef;
  /** The Secrets Manager secret of the database URL (checks that read the database). */
  databaseUrlSecretArn: pulumi.Input<string>;
  /** The variables of each setting group (infra/config/settings.ts). */
  settings: Record<SettingName, Record<string, string>>;
  /** Whether a Vercel log drain feeds the logs bucket (the daily log check reads it then). */
  hasLogDrain: boolean;
  /** Base of the runbooks' short links in the incidents' SMS. @example "https://ops.elegance-mobilite.fr/rb" */
  runbookBaseUrl?: string;
  /** The app on Vercel (its token's secret), for lists with security checks; absent: they scan the stack's lock-file only. */
  vercel?: { teamId: string; projectId: string; tokenSecretArn: pulumi.Input<string> };
  /** The Supabase token's secret, for the list with the access review (optional). */
  supabaseTokenSecretArn?: pulumi.Input<string>;
  /** The Snyk token's secret, for the list with the vulnerability scan (optional). */
  snykTokenSecretArn?: pulumi.Input<string>;
  /** The GitHub token's secret, for the list that reads the app's lock-file from GitHub (optional). */
  githubTokenSecretArn?: pulumi.Input<string>;
  /** Overrides of the catalogue's incident levels, keyed `<list>.<check id>`. @default {} */
  levels?: Record<string, Partial<CheckLevels>>;
  /**
   * Function settings per list (the stack file's `functions.<list>-checklist`).
   * @default 512 MB; 300 s and 1 retry, and for the monthly tasks Lambda's whole 900 s and no retry; no reserved concurrency
   */
  functions?: Partial<
    Record<
      ChecklistName,
      Pick<ScheduledTaskArgs, "memorySize" | "timeout" | "retries" | "reservedConcurrency" | "transform">
    >
  >;
}

const DESCRIPTIONS: Record<ChecklistName, string> = {
  daily: "la check-list quotidienne",
  weekly: "la check-list hebdomadaire",
  monthly: "la check-list mensuelle",
};

/** The levels of one list's checks: the catalogue's, overridden by config, keyed `<list>.<id>`. */
export function checkLevels(list: ChecklistName, overrides: Record<string, Partial<CheckLevels>> = {}) {
  return Object.fromEntries(
    CHECKLISTS[list].map((c) => [`${list}.${c.id}`, { ...c.levels, ...overrides[`${list}.${c.id}`] }]),
  );
}

/** The Vercel, Supabase, Snyk and GitHub variables and secrets of a list, for the tokens its checks read (their `needs.tokens`). */
export function thirdPartyAccess(
  tokens: readonly TokenName[],
  args: Pick<ChecklistsArgs, "vercel" | "supabaseTokenSecretArn" | "snykTokenSecretArn" | "githubTokenSecretArn">,
) {
  const environment: Record<string, pulumi.Input<string>> = {};
  const secretArns: pulumi.Input<string>[] = [];
  if (tokens.includes("vercelToken") && args.vercel) {
    Object.assign(environment, {
      [ENV.vercelTeamId]: args.vercel.teamId,
      [ENV.vercelProjectId]: args.vercel.projectId,
      [ENV.vercelTokenSecretArn]: args.vercel.tokenSecretArn,
    });
    secretArns.push(args.vercel.tokenSecretArn);
  }
  if (tokens.includes("supabaseToken") && args.supabaseTokenSecretArn) {
    environment[ENV.supabaseTokenSecretArn] = args.supabaseTokenSecretArn;
    secretArns.push(args.supabaseTokenSecretArn);
  }
  const optional = [
    ["snykToken", ENV.snykTokenSecretArn, args.snykTokenSecretArn],
    ["githubToken", ENV.githubTokenSecretArn, args.githubTokenSecretArn],
  ] as const;
  for (const [token, variable, ref] of optional)
    if (tokens.includes(token) && ref) {
      environment[variable] = ref;
      secretArns.push(ref);
    }
  return { environment, secretArns };
}

export class Checklists extends pulumi.ComponentResource {
  readonly tasks: Record<ChecklistName, ScheduledTask>;

  constructor(name: string, args: ChecklistsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:checklists:Checklists", name, {}, opts);
    this.tasks = Object.fromEntries(CHECKLIST_NAMES.map((list) => [list, this.createList(list, args)])) as Record<
      ChecklistName,
      ScheduledTask
    >;
    this.registerOutputs({});
  }

  private createList(list: ChecklistName, args: ChecklistsArgs): ScheduledTask {
    const needs = effectiveNeeds(checklistNeeds(list), args.hasLogDrain);
    const topicArns = pulumi.all(LEVEL_NUMBERS.map((l) => args.topics[l].arn));
    const inputs = inputVariables<pulumi.Input<string>>(needs, {
      appUrl: args.appUrl,
      databaseUrl: args.databaseUrlSecretArn,
      logsBucket: args.logsBucket.name,
      backupsBucket: args.backupsBucket.name,
    });
    // The security checks read Vercel (and Supabase) with tokens kept in Secrets Manager: ARNs only here.
    const third = thirdPartyAccess(needs.tokens ?? [], args);
    return new ScheduledTask(
      `${list}-checklist`,
      {
        app: args.app,
        ...args.base,
        handler: `${list}-checklist`,
        schedule: args.schedules[list],
        timezone: args.timezone,
        description: DESCRIPTIONS[list],
        topics: args.topics,
        rerun: `npm run ops -- checklist run ${list}`,
        memorySize: 512,
        // The monthly tasks move and vacuum in batches: give them Lambda's whole 15 minutes, once
        // (a retry would redo data changes); a failed list is retried once. Overlapping runs are
        // prevented by the tasks' advisory locks, not by reserved concurrency (opt-in).
        timeout: list === "monthly" ? 900 : 300,
        retries: list === "monthly" ? 0 : 1,
        ...args.functions?.[list],
        secretArns: [
          ...(needs.inputs?.includes("databaseUrl") ? [args.databaseUrlSecretArn] : []),
          ...third.secretArns,
        ],
        environment: {
          ...inputs,
          ...third.environment,
          ...Object.assign({}, ...(needs.settings ?? []).map((s) => args.settings[s])),
          [ENV.incidentTopics]: topicArns.apply((arns) =>
            JSON.stringify(Object.fromEntries(arns.map((arn, i) => [String(LEVEL_NUMBERS[i]), arn]))),
          ),
          [ENV.checkLevels]: JSON.stringify(checkLevels(list, args.levels)),
          ...(args.runbookBaseUrl ? { [ENV.runbookBaseUrl]: args.runbookBaseUrl } : {}),
        },
        statements: pulumi
          .all([args.logsBucket.arn, args.backupsBucket.arn, topicArns])
          .apply(([logsBucket, backupsBucket, topics]) => [
            ...needsStatements(needs, { logsBucket, backupsBucket }),
            { Sid: "RaiseIncidents", Effect: "Allow" as const, Action: "sns:Publish", Resource: topics },
          ]),
      },
      { parent: this },
    );
  }
}
