// Daily "pm2 logs": the last 24 h of the app's Vercel logs, as the log drain stored them
// (lambdas/logs/store.ts): error-level lines and 5xx responses against thresholds, and the most
// frequent error messages with ids and numbers folded, so one bug shows as one line with its
// count. A drain that is enabled but delivered nothing for a day is a warning: it is broken.
import type { S3Client, _Object } from "@aws-sdk/client-s3";
import type { Check, CheckResult, CheckStatus } from "../core/check";
import { ENV, VERCEL_LOGS_PREFIX } from "../core/contract";
import { classify, DrainEntry, entryTime, is5xx, isErrorLine, LogKind, requestKey } from "../logs/drain";
import { listObjects } from "../lib/s3";
import { datePath, readLogLines } from "../logs/store";

const HOUR_MS = 3_600_000;
const WINDOW_MS = 24 * HOUR_MS;
/** An object written before the window holds only older entries; this much clock skew is allowed. */
const SKEW_MS = 15 * 60_000;
const PARALLEL_READS = 8;
const MESSAGE_CHARS = 200;

/**
 * One error message as a pattern: its first line (or the `msg`/`message`/`error` of a JSON log
 * line), with uuids, timestamps, quoted strings, hex ids, long mixed ids and numbers folded to
 * placeholders.
 */
export function normaliseMessage(message: string): string {
  let text = message.trim();
  if (text.startsWith("{")) {
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      const inner = [
        json.msg,
        json.message,
        json.error,
        (json.error as Record<string, unknown> | undefined)?.message,
      ].find((v) => typeof v === "string" && v);
      if (typeof inner === "string") text = inner.trim();
    } catch {
      // Not JSON after all: folded as text.
    }
  }
  text =
    text
      .split("\n")
      .find((line) => line.trim())
      ?.trim() ?? "";
  return text
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>")
    .replace(/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g, "<time>")
    .replace(/"(?:[^"\\]|\\.)*"|(?<!\w)'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g, "<str>")
    .replace(/\b0x[0-9a-f]+\b/gi, "<hex>")
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, "<hex>")
    .replace(/\b(?=\w*\d)(?=\w*[a-z])\w{16,}\b/gi, "<id>")
    .replace(/(?<![a-z])\d+(?:\.\d+)?/gi, "<n>")
    .replace(/\s+/g, " ")
    .slice(0, MESSAGE_CHARS);
}

interface Tally {
  objects: number;
  entries: Record<LogKind, number>;
  unreadableLines: number;
  errorLines: number;
  failedRequests: Set<string>;
  messages: Map<string, number>;
}

/** Dates (UTC) whose partitions may hold entries of [from, to]. */
function daysCovering(from: number, to: number): Date[] {
  const days: Date[] = [];
  const day = new Date(from);
  day.setUTCHours(0, 0, 0, 0);
  for (; day.getTime() <= to; day.setUTCDate(day.getUTCDate() + 1)) days.push(new Date(day));
  return days;
}

async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

async function tallyWindow(
  s3: S3Client,
  bucket: string,
  from: number,
  to: number,
  signal: AbortSignal,
): Promise<Tally> {
  const tally: Tally = {
    objects: 0,
    entries: { app: 0, access: 0 },
    unreadableLines: 0,
    errorLines: 0,
    failedRequests: new Set(),
    messages: new Map(),
  };
  const objects: _Object[] = [];
  for (const kind of ["app", "access"] as const) {
    for (const day of daysCovering(from, to)) {
      const listed = await listObjects(s3, bucket, `${VERCEL_LOGS_PREFIX[kind]}${datePath(day)}`, { signal });
      objects.push(...listed.filter((o) => !o.LastModified || o.LastModified.getTime() >= from - SKEW_MS));
    }
  }
  await inParallel(objects, PARALLEL_READS, async (object) => {
    const lines = await readLogLines(s3, bucket, object.Key!, signal);
    tally.objects += 1;
    for (const text of lines) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        tally.unreadableLines += 1;
        continue;
      }
      if (typeof value !== "object" || value === null) continue;
      const entry: DrainEntry = { text, value: value as Record<string, unknown> };
      const at = entryTime(entry.value) ?? object.LastModified?.getTime() ?? to;
      if (at < from || at > to) continue;
      tally.entries[classify(entry.value)] += 1;
      if (is5xx(entry.value)) tally.failedRequests.add(requestKey(entry));
      if (!isErrorLine(entry.value)) continue;
      tally.errorLines += 1;
      if (typeof entry.value.message === "string" && entry.value.message.trim()) {
        const pattern = normaliseMessage(entry.value.message);
        tally.messages.set(pattern, (tally.messages.get(pattern) ?? 0) + 1);
      }
    }
  });
  return tally;
}

const SEVERITY: Record<CheckStatus, number> = { ok: 0, warn: 1, fail: 2 };
const judge = (count: number, warn: number, fail: number): CheckStatus =>
  count >= fail ? "fail" : count >= warn ? "warn" : "ok";

export function appLogsCheck(s3: () => S3Client): Check {
  return {
    id: "app-logs",
    title: "Logs de l'application : erreurs et réponses 5xx des dernières 24 h",
    async run({ inputs, now, signal }): Promise<CheckResult> {
      if (!inputs.logs?.drainEnabled) {
        return {
          status: "ok",
          summary: `no Vercel log drain is configured (${ENV.logDrainEnabled} is not "true"): no application logs to read`,
        };
      }
      if (!inputs.logsBucket) throw new Error("no logs bucket (--logs-bucket / LOGS_BUCKET)");
      // Defaults already merged with LOG_THRESHOLDS (lambdas/lib/inputs.ts).
      const t = inputs.logs.thresholds;
      const to = now.getTime();
      const from = to - WINDOW_MS;
      const tally = await tallyWindow(s3(), inputs.logsBucket, from, to, signal);

      const entries = tally.entries.app + tally.entries.access;
      const http5xx = tally.failedRequests.size;
      const topErrors = [...tally.messages]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, t.topMessages)
        .map(([message, count]) => ({ message, count }));
      const details = {
        window: { from: new Date(from).toISOString(), to: now.toISOString() },
        objectsRead: tally.objects,
        entries: tally.entries,
        ...(tally.unreadableLines ? { unreadableLines: tally.unreadableLines } : {}),
        errorLines: tally.errorLines,
        http5xxResponses: http5xx,
        topErrors,
        thresholds: t,
      };
      const metrics = { entries, errorLines: tally.errorLines, http5xxResponses: http5xx };
      if (!entries) {
        return {
          status: "warn",
          summary: "the Vercel log drain is enabled but no log entry arrived in the last 24 h: the drain may be broken",
          details,
          metrics,
        };
      }

      const errorStatus = judge(tally.errorLines, t.errorLinesWarn, t.errorLinesFail);
      const http5xxStatus = judge(http5xx, t.http5xxWarn, t.http5xxFail);
      const status = SEVERITY[errorStatus] >= SEVERITY[http5xxStatus] ? errorStatus : http5xxStatus;
      const over = [
        ...(errorStatus === "ok"
          ? []
          : [`error lines >= ${errorStatus === "fail" ? t.errorLinesFail : t.errorLinesWarn}`]),
        ...(http5xxStatus === "ok" ? [] : [`5xx >= ${http5xxStatus === "fail" ? t.http5xxFail : t.http5xxWarn}`]),
      ];
      const top =
        topErrors[0] && status !== "ok"
          ? `; most frequent: ${JSON.stringify(topErrors[0].message)} x${topErrors[0].count}`
          : "";
      const summary = `${tally.errorLines} error lines and ${http5xx} 5xx responses in the last 24 h, out of ${entries} log entries${over.length ? ` (${over.join(", ")})` : ""}${top}`;
      return { status, summary, details, metrics };
    },
  };
}
