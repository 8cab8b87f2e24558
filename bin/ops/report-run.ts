// The work of `ops report weekly`, loaded only when it runs (it brings vega and the AWS SDK).
import { mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { createS3Client } from "../../lambdas/lib/s3";
import { buildWeeklyReport, writeWeeklyReport } from "../../lambdas/report/index";
import { previousWeek } from "../../lambdas/lib/week";
import { requireInputs, stackConfig, UsageError } from "./inputs";
import { print } from "./output";

export async function weeklyCommand(
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const { logsBucket } = requireInputs(["logsBucket"], options, env);
  const week = (options.week as string | undefined) ?? previousWeek(new Date());
  if (!/^\d{4}-W\d{2}$/.test(week)) throw new UsageError(`--week ${week}: write an ISO week, e.g. 2026-W48`);
  const stack = stackConfig(options, env);
  const thresholds = stack && { ...stack.thresholds.uptime, p95LatencyMs: stack.thresholds.health.p95LatencyMs };
  let built;
  try {
    built = await buildWeeklyReport({
      s3: createS3Client(env),
      logsBucket,
      week,
      app: (options.app as string | undefined) ?? stack?.app.name,
      ...(options.alarmHistory === false ? {} : { cloudwatch: new CloudWatchClient({}) }),
      ...(thresholds ? { thresholds } : {}),
    });
  } catch (error) {
    if (error instanceof Error && /ISO week|has no week/.test(error.message)) throw new UsageError(error.message);
    throw error;
  }
  const written: string[] = [];
  if (options.out) {
    const dir = options.out as string;
    await mkdir(dir, { recursive: true });
    for (const [kind, key] of Object.entries(built.keys)) {
      const file = path.join(dir, path.basename(key));
      await writeFile(file, kind === "json" ? built.json : built.html);
      written.push(file);
    }
  }
  if (options.upload) {
    await writeWeeklyReport(createS3Client(env), logsBucket, built);
    written.push(...Object.values(built.keys).map((k) => `s3://${logsBucket}/${k}`));
  }
  const r = built.report;
  print(options, options.out || options.upload ? { week, written, report: r } : r, () =>
    [
      `rapport ${week} : disponibilité ${r.uptimeDetail.minutesProbed ? `${r.uptime} %` : "—"}, ${r.incidents.length} incident(s), ${r.recommendations.length} recommandation(s)`,
      ...written.map((w) => `écrit : ${w}`),
      ...(written.length ? [] : ["(--out <dir> pour écrire le JSON et la page HTML)"]),
    ].join("\n"),
  );
}
