// `npm start`: the maintenance guide rehearsed on this machine, no cloud, no credentials.
// Starts the test bed's PostgreSQL 15 with a demo database, the S3-protocol server with the
// two buckets, and stand-ins for the app's /api/health and CloudWatch; runs the daily, weekly
// and monthly lists, a backup, the restore drill and the week's report; prints each list's
// table and the pages that would have gone out; stops all it started (Ctrl-C included).
//   npm start -- --fresh    rebuild the demo data      npm start -- --plan    the plan's summary
//   npm start -- --rides 30000   a smaller demo (default 200 000 rides): a quicker rehearsal
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_RIDES, MIN_RIDES, prepareDemoDatabase, type DemoDatabase } from "./rehearsal/demo-data";
import { backup, drill, probeApp, runList, weekRecords, type GuideContext } from "./rehearsal/guide";
import { ensureBucket, renderPages, renderReport, renderSummary } from "./rehearsal/output";
import { startAppStandIn, startCloudWatchStandIn } from "./rehearsal/stand-ins";
import { pgUrl, startPgServer, stopPgServer, type PgServer } from "../test/support/pg-server";
import { startS3 } from "../test/support/s3";
import { stackConfig } from "./ops/inputs";
import { renderRecord } from "./ops/checklist-run";
import type { RunRecord } from "../lambdas/core/check";
import type { Manifest } from "../lambdas/backup/manifest";
import { buildWeeklyReport, writeWeeklyReport } from "../lambdas/report";
import { isoWeek } from "../lambdas/lib/week";

const ROOT = path.join(__dirname, "..");
/** Where the demo data and the local buckets are kept between runs (never in git: .build/ is ignored). */
export const demoDir = () => process.env.ELEGANCE_DEMO_DIR || path.join(ROOT, ".build", "demo");

/** What was started, stopped in reverse order: at the end, on an error, and on Ctrl-C. */
const stops: { name: string; stop: () => Promise<void> }[] = [];
let stopping: Promise<void> | undefined;
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const { stop } of stops.splice(0).reverse()) await stop().catch((e) => process.stderr.write(`arrêt : ${e}\n`));
  })();
  return stopping;
}

function onSignal(signal: NodeJS.Signals): void {
  process.stderr.write(`\n${signal} : arrêt de ce que la répétition a démarré…\n`);
  const force = setTimeout(() => process.exit(130), 30_000);
  void stopAll().finally(() => {
    clearTimeout(force);
    process.exit(130);
  });
}

/** A step's task, its title ending with how long it took. */
function timed<T extends { title: string; output?: string }>(
  fn: (task: T) => Promise<void>,
): (ctx: unknown, task: T) => Promise<void> {
  return async (_ctx, task) => {
    const t0 = performance.now();
    await fn(task);
    task.title = `${task.title} (${((performance.now() - t0) / 1000).toFixed(1)} s)`;
  };
}

interface Results {
  demo?: DemoDatabase;
  records: RunRecord[];
  manifest?: Manifest;
  drill?: { status: string; summary: string; recordKey: string };
  week: { key: string; at: Date }[];
  /** The weekly report built from what the rehearsal stored, written beside the demo data. */
  report?: { week: string; path: string; key: string; recommendations: number };
}

async function rehearse({ fresh, rides }: StartOptions): Promise<void> {
  const dir = demoDir();
  if (fresh) fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // As root, PostgreSQL runs as another user (test/support/pg-server.ts), who must reach its data dir inside.
  if (process.getuid?.() === 0) fs.chmodSync(dir, 0o755);
  const stack = stackConfig({});
  if (!stack)
    throw new Error("Pulumi.prod.yaml not found: npm start reads the app's name, paging routes and thresholds from it");
  const app = stack.app.name;
  const logsBucket = `${app}-logs`;
  const backupsBucket = `${app}-backups`;
  const results: Results = { records: [], week: [] };
  let ctx!: GuideContext;
  let pg!: PgServer;

  // listr2 is ESM-only: Node 24 (the npm scripts' Node) requires it synchronously.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Listr } = require("listr2") as typeof import("listr2", { with: { "resolution-mode": "import" } });
  const tasks = new Listr(
    [
      {
        title: "Démarrage : PostgreSQL 15, S3 local, stand-ins de /api/health et CloudWatch",
        task: timed(async (task: { title: string; output?: string }) => {
          // The demo cluster is kept in the demo directory; its superuser password beside it.
          const pwFile = path.join(dir, "pg-password");
          if (!fs.existsSync(pwFile)) fs.writeFileSync(pwFile, randomBytes(18).toString("hex"), { mode: 0o600 });
          pg = await startPgServer({ dataDir: path.join(dir, "pg"), password: fs.readFileSync(pwFile, "utf8").trim() });
          stops.push({ name: "postgres", stop: () => stopPgServer(pg) });
          task.output = `PostgreSQL sur ${pg.host}:${pg.port} (pid ${pg.pid})`;
          const s3 = await startS3({ directory: path.join(dir, "s3") });
          stops.push({ name: "s3", stop: () => s3.stop({ keep: true }) });
          for (const b of [logsBucket, backupsBucket]) await ensureBucket(s3, b);
          const appStandIn = await startAppStandIn(stack.app.healthPath);
          stops.push({ name: "app", stop: appStandIn.stop });
          const samples: GuideContext["samples"] = [];
          const cloudwatch = await startCloudWatchStandIn(samples);
          stops.push({ name: "cloudwatch", stop: cloudwatch.stop });
          // The checks build their AWS clients from the environment, as in a Lambda.
          Object.assign(process.env, s3.env, {
            AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.url,
            AWS_EC2_METADATA_DISABLED: "true",
          });
          const env = {
            ...process.env,
            DATABASE_THRESHOLDS: JSON.stringify({ indexStatsMinDays: 0 }),
            // No cloud here: the access review reads the demo database only, never IAM.
            ACCESS_SETTINGS: JSON.stringify({ ...stack.access, supabaseToken: undefined, aws: false }),
          };
          ctx = {
            stack,
            env,
            s3: s3.client,
            databaseUrl: "",
            scratchUrl: pgUrl(pg, pg.superuser, pg.password, "postgres"),
            appUrl: appStandIn.url,
            logsBucket,
            backupsBucket,
            samples,
            pages: [],
          };
          task.title = `Démarré : PostgreSQL ${pg.host}:${pg.port} (pid ${pg.pid}), S3 ${s3.endpoint}, app ${appStandIn.url}`;
        }),
      },
      {
        title: `Base de démo (fixture Supabase, ${rides.toLocaleString("fr-FR")} courses sur 18 mois, problèmes plantés)`,
        task: timed(async (task: { title: string; output?: string }) => {
          results.demo = await prepareDemoDatabase(pg, { fresh, rides, log: (line) => (task.output = line) });
          ctx.databaseUrl = results.demo.url;
          const c = results.demo.counts;
          task.title = `Base de démo ${results.demo.reused ? "réutilisée" : "générée"} : ${c.rides} courses, ${c.users} utilisateurs, ${c.sessions} sessions dont ${c["expired sessions"]} expirées`;
          await probeApp(ctx, 5);
        }),
      },
      ...(["daily", "weekly", "monthly"] as const).map((list) => ({
        title: `Check-list ${{ daily: "quotidienne", weekly: "hebdomadaire", monthly: "mensuelle" }[list]}`,
        task: timed(async (task: { title: string }) => {
          const record = await runList(ctx, list);
          results.records.push(record);
          const n = (s: string) => record.results.filter((r) => r.status === s).length;
          task.title = `Check-list ${list} : ${n("ok")} ok, ${n("warn")} warn, ${n("fail")} fail`;
        }),
      })),
      {
        title: "Backup (pg_dump → gzip → S3)",
        task: timed(async (task: { title: string; output?: string }) => {
          let shown = 0;
          results.manifest = await backup(ctx, (bytes) => {
            if (bytes - shown < 8 * 1048576) return; // a line per 8 MB: the fallback renderer prints each
            shown = bytes;
            task.output = `${(bytes / 1048576).toFixed(0)} MB`;
          });
          task.title = `Backup : ${results.manifest.key} (${(results.manifest.sizeBytes / 1048576).toFixed(1)} MB)`;
        }),
      },
      {
        title: "Exercice de restauration",
        task: timed(async (task: { title: string; output?: string }) => {
          results.drill = await drill(ctx);
          task.title = `Exercice de restauration : ${results.drill.status} : ${results.drill.summary}`.slice(0, 160);
        }),
      },
      {
        title: "Rapport hebdomadaire",
        task: timed(async (task: { title: string; output?: string }) => {
          // The Lambda's own code, from what this run stored (run records, drill record); no metrics
          // export or alarm history exists locally, so those parts of the report say so.
          results.week = await weekRecords(ctx);
          const week = isoWeek(new Date());
          const built = await buildWeeklyReport({
            s3: ctx.s3,
            logsBucket: ctx.logsBucket,
            week,
            app: ctx.stack.app.name,
          });
          await writeWeeklyReport(ctx.s3, ctx.logsBucket, built);
          const file = path.join(dir, `rapport-${week}.html`);
          fs.writeFileSync(file, built.html);
          results.report = {
            week,
            path: file,
            key: built.keys.html,
            recommendations: built.report.recommendations.length,
          };
          task.title = `Rapport hebdomadaire ${week} : ${results.week.length} enregistrements, ${results.report.recommendations} recommandations`;
        }),
      },
    ],
    {
      concurrent: false,
      exitOnError: true,
      registerSignalListeners: false,
      rendererOptions: { collapseSubtasks: false },
      fallbackRendererCondition: () => !process.stdout.isTTY,
    },
  );

  try {
    await tasks.run();
  } finally {
    await stopAll();
  }
  const out = [
    ...results.records.map(renderRecord),
    renderPages(ctx.pages),
    renderReport(results.week),
    renderSummary({
      dir,
      logsBucket,
      backupsBucket,
      manifest: results.manifest,
      drillKey: results.drill?.recordKey,
      report: results.report,
      seconds: process.uptime(),
    }),
  ];
  process.stdout.write(`\n${out.join("\n")}\n`);
}

interface StartOptions {
  fresh: boolean;
  plan: boolean;
  rides: number;
}

/** `npm start`'s options; a mistake is refused with the option at fault and the fix. */
export function parseStartArgs(args: string[]): StartOptions | { error: string } {
  const options: StartOptions = { fresh: false, plan: false, rides: DEFAULT_RIDES };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if ((flag === "--fresh" || flag === "--plan") && inline === undefined)
      options[flag === "--fresh" ? "fresh" : "plan"] = true;
    else if (flag === "--rides") {
      const value = inline ?? args[++i];
      const rides = Number(value);
      if (!Number.isInteger(rides) || rides < MIN_RIDES || rides > 2_000_000)
        return { error: `--rides ${value ?? "(no value)"}: give a whole number of rides from ${MIN_RIDES} to 2000000` };
      options.rides = rides;
    } else
      return {
        error: `unknown option ${args[i]}; use --fresh (rebuild the demo data), --rides <n> (the demo's size) or --plan (the plan's summary)`,
      };
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseStartArgs(process.argv.slice(2));
  if ("error" in options) {
    process.stderr.write(`npm start: ${options.error}\n`);
    process.exitCode = 2;
    return;
  }
  if (options.plan) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for --plan
    const { synth, stackFile, summary } = require("./synth") as typeof import("./synth");
    process.stdout.write(`${summary(await synth(stackFile()))}\n`);
    return;
  }
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await rehearse(options);
  } catch (error) {
    process.stderr.write(`\nnpm start : échec : ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
