// ISO weeks (`2026-W48`, Monday to Sunday) and UTC days, the report's and the export's calendar.
// Days are UTC so an export's day and a report's day are the same 24 hours everywhere.

const DAY_MS = 86_400_000;

/** `2026-11-24` of an instant (UTC). */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** The 24 h of a `YYYY-MM-DD` day, as [start, end). */
export function dayRange(day: string): { start: Date; end: Date } {
  const start = new Date(`${day}T00:00:00.000Z`);
  if (Number.isNaN(start.getTime()) || utcDay(start) !== day)
    throw new Error(`${day} is not a day; write YYYY-MM-DD, e.g. 2026-11-24`);
  return { start, end: new Date(start.getTime() + DAY_MS) };
}

/** The day `n` days after (negative: before) `day`. */
export const addDays = (day: string, n: number): string => utcDay(new Date(dayRange(day).start.getTime() + n * DAY_MS));

/** The ISO week an instant falls in, e.g. `2026-W48`. */
export function isoWeek(at: Date): string {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const weekday = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - weekday); // the week's Thursday decides its year
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** The week before the one `at` falls in: what a Monday run reports on. */
export const previousWeek = (at: Date): string => isoWeek(new Date(at.getTime() - 7 * DAY_MS));

/** Monday's day and the seven days of an ISO week. */
export function weekDays(week: string): string[] {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) throw new Error(`--week ${week}: write an ISO week, e.g. 2026-W48`);
  const [year, n] = [Number(m[1]), Number(m[2])];
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const monday = new Date(jan4.getTime() - ((jan4.getUTCDay() || 7) - 1) * DAY_MS + (n - 1) * 7 * DAY_MS);
  if (n < 1 || isoWeek(monday) !== week) throw new Error(`--week ${week}: ${year} has no week ${n}`);
  return Array.from({ length: 7 }, (_, i) => utcDay(new Date(monday.getTime() + i * DAY_MS)));
}

/** The days from `first` to `last`, both included. */
export function daysBetween(first: string, last: string): string[] {
  const days: string[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) days.push(d);
  return days;
}
