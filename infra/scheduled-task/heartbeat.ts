// The dead man's switch of a scheduled task: how long may pass without a successful run before
// someone is paged. CloudWatch alarms look back at most 7 days, and a bucket that is still
// filling must not count as missed, so:
// - periods up to a day: an alarm on the task's proof of life (a Lambda's Invocations, a Fargate
//   task's `Heartbeat`) in buckets over period + grace;
// - longer periods (weekly, monthly): no alarm; the daily list's `checklist-freshness` dates the
//   task's records every day and fails (pages) past period + grace.

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;
/** CloudWatch's longest evaluation range: period × evaluation periods ≤ 7 days. */
export const MAX_ALARM_RANGE = 7 * DAY;

const UNIT_SECONDS: Record<string, number> = { minute: MINUTE, hour: HOUR, day: DAY };

/** Seconds between runs of an EventBridge Scheduler expression; throws when it can't tell. */
export function schedulePeriodSeconds(expression: string): number {
  const rate = expression.match(/^rate\((\d+)\s+(minute|hour|day)s?\)$/);
  if (rate) return Number(rate[1]) * UNIT_SECONDS[rate[2]];
  const cron = expression.match(/^cron\((.+)\)$/);
  const fields = cron?.[1].trim().split(/\s+/);
  if (fields?.length === 6) {
    const [minute, hour, dayOfMonth, , dayOfWeek] = fields;
    const fixed = (f: string) => /^\d+$/.test(f);
    const any = (f: string) => f === "*" || f === "?";
    if (fixed(minute) && any(hour) && any(dayOfMonth) && any(dayOfWeek)) return HOUR;
    if (fixed(minute) && fixed(hour) && any(dayOfMonth) && any(dayOfWeek)) return DAY;
    if (fixed(minute) && fixed(hour) && any(dayOfMonth) && /^[A-Z0-9]{1,3}$/i.test(dayOfWeek)) return 7 * DAY;
    if (fixed(minute) && fixed(hour) && fixed(dayOfMonth) && any(dayOfWeek)) return 31 * DAY;
  }
  throw new Error(
    `schedule ${JSON.stringify(expression)}: cannot tell its period for the heartbeat alarm; use rate(N minutes|hours|days) or a cron that runs hourly, daily (cron(0 7 * * ? *)), weekly (cron(0 8 ? * MON *)) or monthly (cron(0 3 1 * ? *))`,
  );
}

/** Alarm when the proof of life sums < 1 in every one of `evaluationPeriods` buckets of `period` seconds. */
export type HeartbeatAlarmRule = { metric: "Heartbeat"; period: number; evaluationPeriods: number };

export type HeartbeatRule =
  | HeartbeatAlarmRule
  /** No alarm: the daily list's checklist-freshness fails when the last record is older than `thresholdHours`. */
  | { metric: "checklist-freshness"; thresholdHours: number };

/** The grace after a missed run before paging: a few probe minutes, or a couple of hours, or a day. */
export function defaultGraceSeconds(period: number): number {
  if (period < HOUR) return 4 * period;
  if (period <= DAY) return 2 * HOUR;
  return DAY;
}

export function heartbeatRule(expression: string, graceSeconds?: number): HeartbeatRule {
  const period = schedulePeriodSeconds(expression);
  const grace = graceSeconds ?? defaultGraceSeconds(period);
  if (period <= DAY) {
    const bucket = period < HOUR ? MINUTE : HOUR;
    const evaluationPeriods = Math.ceil((period + grace) / bucket);
    if (bucket * evaluationPeriods > MAX_ALARM_RANGE)
      throw new Error(`schedule ${expression}: period + grace exceeds CloudWatch's 7-day alarm range`);
    return { metric: "Heartbeat", period: bucket, evaluationPeriods };
  }
  return { metric: "checklist-freshness", thresholdHours: (period + grace) / HOUR };
}
