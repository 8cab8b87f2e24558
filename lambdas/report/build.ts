// The guide's `MaintenanceReport { uptime; performance; incidents; recommendations }`, computed
// from stored data only (see data.ts). Pure functions: the same inputs give the same report.
import type { AlarmHistoryItem } from "@aws-sdk/client-cloudwatch";
import type { RunRecord } from "../core/check";
import { BUSINESS_METRIC, LEVELS, METRIC, type Level } from "../core/contract";
import type { Point } from "./data";
import { addDays, dayRange, utcDay } from "../lib/week";

export interface Incident {
  source: "alarm" | "checklist";
  /** The alarm's name, or `<list>/<check id>`. */
  name: string;
  level: Level;
  summary: string;
  start: string;
  /** Absent while it is still open at the end of the week. */
  end?: string;
  durationMinutes?: number;
  /** Resolved within its level's response time (< 15 min, < 1 h, < 4 h); undefined while open. */
  responseMet?: boolean;
}

export interface DayValue {
  day: string;
  value: number | null;
}

export interface Metrics {
  latency: {
    thresholdP95Ms: number;
    days: { day: string; p50: number | null; p95: number | null }[];
    slowestHours: { hour: string; p95: number }[];
  };
  tasks: { task: string; metric: string; runs: number; averageSeconds: number; maxSeconds: number }[];
  lists: { list: string; runs: number; ok: number; warn: number; fail: number }[];
  databaseBytes: DayValue[];
}

export interface BusinessFigure {
  metric: string;
  label: string;
  days: DayValue[];
  weekTotal: number;
  /** Mean of the 4 previous weeks' totals (null when none of them has data). */
  previousWeeksAverage: number | null;
}

/** The guide's interface, exactly (its four fields), with what the page needs around them. */
export interface MaintenanceReport {
  /** Percent of probed minutes the app was up. */
  uptime: number;
  performance: Metrics;
  incidents: Incident[];
  recommendations: string[];
  week: string;
  days: string[];
  generatedAt: string;
  uptimeDetail: {
    minutesUp: number;
    minutesProbed: number;
    warnBelowPercent: number;
    failBelowPercent: number;
    days: { day: string; percent: number | null }[];
  };
  business: BusinessFigure[];
}

export const BUSINESS_LABELS: Record<string, string> = {
  [BUSINESS_METRIC.ridesCreated]: "Courses créées",
  [BUSINESS_METRIC.ridesCompleted]: "Courses terminées",
  [BUSINESS_METRIC.ridesCancelled]: "Courses annulées",
  [BUSINESS_METRIC.signUps]: "Inscriptions",
  [BUSINESS_METRIC.revenueCents]: "Chiffre d'affaires (centimes)",
  [BUSINESS_METRIC.activeDrivers]: "Chauffeurs actifs",
};

/** The task metrics whose durations the report shows. */
const TASK_DURATIONS = [METRIC.backupSeconds, METRIC.drillSeconds];

const quantile = (sorted: number[], q: number): number | null => {
  if (!sorted.length) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo);
};
const round = (n: number | null, digits = 1) => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);
const dayOf = (time: number) => utcDay(new Date(time));

export interface ReportInputs {
  week: string;
  days: string[];
  now: Date;
  /** Points of the week (Up, Latency, task durations, DatabaseBytes, business metrics). */
  weekPoints: Point[];
  /** Business points of the 4 weeks before. */
  previousPoints: Point[];
  records: RunRecord[];
  alarmHistory: AlarmHistoryItem[];
  alarmLevels: Map<string, Level>;
  thresholds: { warnBelowPercent: number; failBelowPercent: number; p95LatencyMs: number };
}

export function buildReport(input: ReportInputs): MaintenanceReport {
  const { days } = input;
  const byMetric = (metric: string, stat: string) =>
    input.weekPoints.filter((p) => p.metric === metric && p.stat === stat);

  // Uptime: probed minutes (SampleCount of Up) and the minutes it was up (Sum), per day.
  const probed = byMetric(METRIC.up, "SampleCount");
  const up = byMetric(METRIC.up, "Sum");
  const perDay = (points: Point[]) =>
    days.map((day) => points.filter((p) => dayOf(p.time) === day).reduce((s, p) => s + p.value, 0));
  const probedDays = perDay(probed);
  const upDays = perDay(up);
  const minutesProbed = probedDays.reduce((a, b) => a + b, 0);
  const minutesUp = upDays.reduce((a, b) => a + b, 0);
  const uptime = minutesProbed ? round((100 * minutesUp) / minutesProbed, 3)! : 0;

  // Latency: the probe runs once a minute, so each minute's Average is one measure.
  const latency = byMetric(METRIC.latency, "Average");
  const latencyDays = days.map((day) => {
    const v = latency
      .filter((p) => dayOf(p.time) === day)
      .map((p) => p.value)
      .sort((a, b) => a - b);
    return { day, p50: round(quantile(v, 0.5), 0), p95: round(quantile(v, 0.95), 0) };
  });
  const hours = new Map<string, number[]>();
  for (const p of latency) {
    const hour = new Date(p.time).toISOString().slice(0, 13);
    hours.set(hour, [...(hours.get(hour) ?? []), p.value]);
  }
  const slowestHours = [...hours]
    .map(([hour, v]) => ({
      hour: `${hour}:00Z`,
      p95: round(
        quantile(
          v.sort((a, b) => a - b),
          0.95,
        ),
        0,
      )!,
    }))
    .sort((a, b) => b.p95 - a.p95)
    .slice(0, 5);

  const tasks = TASK_DURATIONS.flatMap((metric) => {
    const groups = new Map<string, number[]>();
    for (const p of byMetric(metric, "Maximum")) groups.set(p.dims, [...(groups.get(p.dims) ?? []), p.value]);
    return [...groups].map(([dims, v]) => ({
      task: dims.replace(/^Task=/, ""),
      metric,
      runs: v.length,
      averageSeconds: round(v.reduce((a, b) => a + b, 0) / v.length)!,
      maxSeconds: round(Math.max(...v))!,
    }));
  });
  const lists = ["daily", "weekly", "monthly"]
    .map((list) => {
      const runs = input.records.filter((r) => r.list === list);
      const count = (s: string) => runs.reduce((n, r) => n + r.results.filter((x) => x.status === s).length, 0);
      return { list, runs: runs.length, ok: count("ok"), warn: count("warn"), fail: count("fail") };
    })
    .filter((l) => l.runs > 0);
  const lastOfDay = (points: Point[], day: string) =>
    points.filter((p) => dayOf(p.time) === day).sort((a, b) => b.time - a.time)[0]?.value ?? null;
  const databaseBytes = days.map((day) => ({ day, value: lastOfDay(byMetric("DatabaseBytes", "Maximum"), day) }));

  const business = Object.keys(BUSINESS_LABELS).map((metric) => {
    const sumOn = (points: Point[], day: string) => {
      const v = points.filter((p) => p.metric === metric && p.stat === "Maximum" && dayOf(p.time) === day);
      return v.length ? v.reduce((s, p) => Math.max(s, p.value), 0) : null;
    };
    const weekDays = days.map((day) => ({ day, value: sumOn(input.weekPoints, day) }));
    const previous = [1, 2, 3, 4]
      .map((w) => days.map((day) => sumOn(input.previousPoints, addDays(day, -7 * w))))
      .filter((values) => values.some((v) => v !== null))
      .map((values) => values.reduce<number>((s, v) => s + (v ?? 0), 0));
    return {
      metric,
      label: BUSINESS_LABELS[metric],
      days: weekDays,
      weekTotal: weekDays.reduce((s, d) => s + (d.value ?? 0), 0),
      previousWeeksAverage: previous.length ? round(previous.reduce((a, b) => a + b, 0) / previous.length)! : null,
    };
  });

  return {
    uptime,
    performance: {
      latency: { thresholdP95Ms: input.thresholds.p95LatencyMs, days: latencyDays, slowestHours },
      tasks,
      lists,
      databaseBytes,
    },
    incidents: incidents(input),
    recommendations: recommendations(input, { databaseBytes, tasks }),
    week: input.week,
    days,
    generatedAt: input.now.toISOString(),
    uptimeDetail: {
      minutesUp,
      minutesProbed,
      warnBelowPercent: input.thresholds.warnBelowPercent,
      failBelowPercent: input.thresholds.failBelowPercent,
      days: days.map((day, i) => ({
        day,
        percent: probedDays[i] ? round((100 * upDays[i]) / probedDays[i], 2) : null,
      })),
    },
    business,
  };
}

/** Alarms: each ALARM state paired with the next OK; check-lists: each warn/fail result. */
function incidents(input: ReportInputs): Incident[] {
  const weekStart = dayRange(input.days[0]).start.getTime();
  const weekEnd = dayRange(input.days[6]).end.getTime();
  const open = new Map<string, Date>();
  const found: Incident[] = [];
  const close = (name: string, start: Date, end: Date | undefined) => {
    const level = input.alarmLevels.get(name) ?? 2;
    if ((end?.getTime() ?? weekEnd) < weekStart || start.getTime() >= weekEnd) return;
    const minutes = end ? Math.round((end.getTime() - start.getTime()) / 60_000) : undefined;
    found.push({
      source: "alarm",
      name,
      level,
      summary: `Alarme ${name}`,
      start: start.toISOString(),
      ...(end
        ? { end: end.toISOString(), durationMinutes: minutes, responseMet: minutes! <= LEVELS[level].responseMinutes }
        : {}),
    });
  };
  const items = [...input.alarmHistory].sort((a, b) => (a.Timestamp?.getTime() ?? 0) - (b.Timestamp?.getTime() ?? 0));
  for (const item of items) {
    const name = item.AlarmName ?? "";
    const state = (JSON.parse(item.HistoryData ?? "{}") as { newState?: { stateValue?: string } }).newState?.stateValue;
    const at = new Date(item.Timestamp ?? 0);
    if (state === "ALARM" && !open.has(name)) open.set(name, at);
    else if (state !== "ALARM" && open.has(name)) {
      close(name, open.get(name)!, at);
      open.delete(name);
    }
  }
  for (const [name, start] of open) close(name, start, undefined);
  for (const record of input.records) {
    for (const r of record.results) {
      if (r.status === "ok") continue;
      found.push({
        source: "checklist",
        name: `${record.list}/${r.id}`,
        level: r.level ?? 1,
        summary: `${r.title} : ${r.summary}`,
        start: record.startedAt,
      });
    }
  }
  return found.sort((a, b) => a.start.localeCompare(b.start));
}

/** Every SQL statement or command a finding's details carry (`statement`, `command`, `fix`). */
function commandsIn(details: unknown, out: string[] = []): string[] {
  if (Array.isArray(details)) details.forEach((d) => commandsIn(d, out));
  else if (details && typeof details === "object") {
    for (const [key, value] of Object.entries(details)) {
      if (typeof value === "string" && ["statement", "command", "fix"].includes(key)) out.push(value);
      else commandsIn(value, out);
    }
  }
  return out;
}

function recommendations(input: ReportInputs, found: Pick<Metrics, "databaseBytes" | "tasks">): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  // The latest finding of each check: its summary (why) and the exact commands it gives.
  const latest = new Map<string, RunRecord["results"][number]>();
  for (const record of [...input.records].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    for (const r of record.results) latest.set(`${record.list}/${r.id}`, r);
  }
  for (const [id, r] of latest) {
    if (r.status === "ok") continue;
    const commands = [...new Set(commandsIn(r.details))].slice(0, 5);
    const line = `${r.title} (${id}) : ${r.summary}.${commands.length ? ` À exécuter : ${commands.join(" ")}` : ""}`;
    if (!seen.has(line)) {
      lines.push(line);
      seen.add(line);
    }
  }
  const sizes = found.databaseBytes.map((d) => d.value).filter((v): v is number => v !== null);
  if (sizes.length >= 2 && sizes[sizes.length - 1] > sizes[0] * 1.1) {
    lines.push(
      `La base a grossi de ${Math.round((100 * (sizes[sizes.length - 1] - sizes[0])) / sizes[0])} % cette semaine : vérifier les plus grosses tables (npm run ops -- db check) et l'archivage des courses (npm run ops -- db archive-rides --dry-run).`,
    );
  }
  if (input.thresholds && lines.length === 0)
    lines.push("Aucune action : toutes les vérifications de la semaine sont passées.");
  return lines;
}
