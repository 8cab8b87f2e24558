// The guide's "Custom Dashboard : Métriques métier", and the stack's health on one page:
// aws.cloudwatch.Dashboard built from lambdas/core/contract.ts's metric names only (a widget
// naming a metric nothing emits fails test/report/dashboard.test.ts).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BUSINESS_METRIC, DIMENSION, METRIC, METRICS_NAMESPACE } from "../lambdas/core/contract";

export interface DashboardArgs {
  /** The app's name: the `App` dimension and the functions' prefix. @example "elegance-mobilite" */
  app: string;
  /** @example "eu-west-3" */
  region: pulumi.Input<string>;
  /** The scheduled tasks' names (their functions are `<app>-<task>`). @example ["daily-checklist", "backup"] */
  tasks: string[];
  /** Function names whose duration and errors are shown. */
  functionNames: pulumi.Input<string>[];
  /** Alarm ARNs for the alarm-status widget. */
  alarmArns: pulumi.Input<string>[];
  /** Links of the text widget. @example { vercelAnalytics: "https://vercel.com/<team>/<project>/analytics" } */
  links?: { vercelAnalytics?: string; supabase?: string };
}

type MetricLine = (string | Record<string, unknown>)[];
type Widget = { type: "metric" | "text" | "alarm"; width: number; height: number; properties: Record<string, unknown> };

const ours = (metric: string, dims: Record<string, string>, extra: Record<string, unknown> = {}): MetricLine => [
  METRICS_NAMESPACE,
  metric,
  ...Object.entries(dims).flat(),
  ...(Object.keys(extra).length ? [extra] : []),
];

const chart = (title: string, region: string, metrics: MetricLine[], props: Record<string, unknown> = {}): Widget => ({
  type: "metric",
  width: 12,
  height: 6,
  properties: { title, region, metrics, view: "timeSeries", period: 300, stat: "Average", ...props },
});

/** The dashboard's widgets (exported for the test that checks every metric name). */
export function dashboardWidgets(args: {
  app: string;
  region: string;
  tasks: string[];
  functionNames: string[];
  alarmArns: string[];
  links?: DashboardArgs["links"];
}): Widget[] {
  const app = { [DIMENSION.app]: args.app };
  const { region } = args;
  const links = [
    args.links?.vercelAnalytics && `[Vercel Analytics (front)](${args.links.vercelAnalytics})`,
    args.links?.supabase && `[Tableau de bord Supabase (base)](${args.links.supabase})`,
  ].filter(Boolean);
  return [
    {
      type: "text",
      width: 24,
      height: 2,
      properties: {
        markdown: `# ${args.app} : maintenance\n${links.join(" · ") || "Liens Vercel et Supabase : elegance-ops:reports.links"}`,
      },
    },
    chart("Disponibilité (Up, %)", region, [ours(METRIC.up, app, { stat: "Average", label: "Up" })], {
      yAxis: { left: { min: 0, max: 1 } },
    }),
    chart("Latence /api/health (ms)", region, [
      ours(METRIC.latency, app, { stat: "p50", label: "p50" }),
      ours(METRIC.latency, app, { stat: "p95", label: "p95" }),
    ]),
    { type: "alarm", width: 24, height: 4, properties: { title: "Alarmes", alarms: args.alarmArns } },
    // No check-list counts chart: they are not metrics (a series a month each); the run records hold them.
    chart(
      "Heartbeats des tâches",
      region,
      // A Lambda's proof of life is its Invocations (tasks on Fargate chart theirs in ECS).
      args.tasks.map((t) => [
        "AWS/Lambda",
        "Invocations",
        "FunctionName",
        `${args.app}-${t}`,
        { stat: "Sum", label: t },
      ]),
      { stat: "Sum", period: 3600 },
    ),
    chart(
      "Backups : taille (octets)",
      region,
      [ours(METRIC.backupBytes, { [DIMENSION.task]: "backup" }, { stat: "Maximum" })],
      { period: 86_400 },
    ),
    chart(
      "Backups : durées (s)",
      region,
      [
        ours(METRIC.backupSeconds, { [DIMENSION.task]: "backup" }, { stat: "Maximum", label: "backup" }),
        ours(
          METRIC.drillSeconds,
          { [DIMENSION.task]: "backup-drill" },
          { stat: "Maximum", label: "exercice de restauration" },
        ),
      ],
      { period: 86_400 },
    ),
    chart("Base : taille (octets)", region, [ours(BUSINESS_METRIC.databaseBytes, app, { stat: "Maximum" })], {
      period: 86_400,
    }),
    chart("Base : sessions actives", region, [ours(BUSINESS_METRIC.liveSessions, app, { stat: "Maximum" })], {
      period: 86_400,
    }),
    chart(
      "Métriques métier : courses par jour",
      region,
      [
        ours(BUSINESS_METRIC.ridesCreated, app, { stat: "Maximum", label: "créées" }),
        ours(BUSINESS_METRIC.ridesCompleted, app, { stat: "Maximum", label: "terminées" }),
        ours(BUSINESS_METRIC.ridesCancelled, app, { stat: "Maximum", label: "annulées" }),
      ],
      { period: 86_400, stat: "Maximum" },
    ),
    chart(
      "Métriques métier : inscriptions, chauffeurs actifs",
      region,
      [
        ours(BUSINESS_METRIC.signUps, app, { stat: "Maximum", label: "inscriptions" }),
        ours(BUSINESS_METRIC.activeDrivers, app, { stat: "Maximum", label: "chauffeurs actifs" }),
      ],
      { period: 86_400, stat: "Maximum" },
    ),
    chart(
      "Logs de l'application : erreurs et 5xx",
      region,
      [
        ours(METRIC.logErrorLines, app, { stat: "Sum", label: "lignes d'erreur" }),
        ours(METRIC.http5xxResponses, app, { stat: "Sum", label: "réponses 5xx" }),
      ],
      { stat: "Sum" },
    ),
    chart(
      "Coûts lisibles : durée des fonctions (ms cumulées / h)",
      region,
      args.functionNames.map((fn) => ["AWS/Lambda", "Duration", "FunctionName", fn, { stat: "Sum" }]),
      { stat: "Sum", period: 3600 },
    ),
    chart(
      "Coûts lisibles : SMS envoyés",
      region,
      [["AWS/SNS", "SMSSuccessRate", { stat: "SampleCount", label: "SMS" }]],
      { stat: "SampleCount", period: 86_400 },
    ),
  ];
}

export class Dashboard extends pulumi.ComponentResource {
  readonly dashboard: aws.cloudwatch.Dashboard;

  constructor(name: string, args: DashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("elegance-ops:dashboard:Dashboard", name, {}, opts);
    const body = pulumi
      .all([args.region, pulumi.all(args.functionNames), pulumi.all(args.alarmArns)])
      .apply(([region, functionNames, alarmArns]) =>
        JSON.stringify({
          widgets: dashboardWidgets({
            app: args.app,
            region,
            tasks: args.tasks,
            functionNames,
            alarmArns,
            links: args.links,
          }),
        }),
      );
    this.dashboard = new aws.cloudwatch.Dashboard(name, { dashboardName: name, dashboardBody: body }, { parent: this });
    this.registerOutputs({ dashboardName: this.dashboard.dashboardName });
  }
}
