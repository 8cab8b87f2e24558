// EventBridge Scheduler's schedule expressions, checked as AWS checks them (grammar and ranges),
// so a wrong hour fails at config validation instead of at `pulumi up`, or never runs:
//   cron(minutes hours day-of-month month day-of-week year), rate(N unit), at(yyyy-mm-ddThh:mm:ss)

export const SCHEDULE_FORM =
  "cron(minutes hours day-of-month month day-of-week year), rate(N minutes|hours|days) or at(yyyy-mm-ddThh:mm:ss)";

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
// The most days each month can have (February in a leap year).
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

interface Field {
  name: string;
  min: number;
  max: number;
  /** Names allowed for values (JAN = 1, SUN = 1). */
  names?: string[];
  /** Forms of one list item beyond numbers, ranges and steps, e.g. L or 15W. */
  special?: RegExp;
  question?: boolean;
}

const FIELDS: Field[] = [
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, special: /^(L|LW|\d{1,2}W)$/, question: true },
  { name: "month", min: 1, max: 12, names: MONTHS },
  {
    name: "day-of-week",
    min: 1,
    max: 7,
    names: DAYS,
    special: /^(L|[1-7A-Z]{1,3}L|[1-7A-Z]{1,3}#[1-5])$/,
    question: true,
  },
  { name: "year", min: 1970, max: 2199 },
];

/** The values a field matches, or what is wrong with it; `undefined` values: a special form (L, W, #, ?). */
function parseField(text: string, field: Field): { values?: Set<number> } | { problem: string } {
  const bad = (why: string) => ({ problem: `has an invalid ${field.name} field "${text}": ${why}` });
  if (text === "?") return field.question ? {} : bad(`"?" is allowed only in day-of-month and day-of-week`);
  const values = new Set<number>();
  let special = false;
  const value = (token: string): number | undefined => {
    const named = field.names?.indexOf(token.toUpperCase()) ?? -1;
    if (named >= 0) return named + 1;
    return /^\d+$/.test(token) ? Number(token) : undefined;
  };
  for (const item of text.split(",")) {
    if (field.special?.test(item.toUpperCase())) {
      special = true;
      const n = value(item.replace(/(W|L|#\d)$/i, "").replace(/^L$/i, ""));
      if (n !== undefined && (n < field.min || n > field.max)) return bad(`${n} is outside ${field.min}-${field.max}`);
      continue;
    }
    const m = /^(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/(\d+))?$/.exec(item);
    if (!m) return bad(`"${item}" is not a value, a range (a-b), a step (a/n) or *`);
    const [from, to] = m[1] === "*" ? [field.min, field.max] : m[1].split("-").map(value);
    const last = m[1] === "*" || m[1].includes("-") ? to : m[2] ? field.max : from;
    if (from === undefined || last === undefined)
      return bad(`"${item}" is not a number${field.names ? ` nor a name (${field.names[0]}…)` : ""}`);
    for (const n of [from, last])
      if (n < field.min || n > field.max) return bad(`${n} is outside ${field.min}-${field.max}`);
    if (from > last) return bad(`the range ${m[1]} runs backwards`);
    const step = m[2] ? Number(m[2]) : 1;
    if (step < 1) return bad("a step must be 1 or more");
    for (let n = from; n <= last; n += step) values.add(n);
  }
  return special ? {} : { values };
}

function cronProblem(body: string): string | undefined {
  const fields = body.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== FIELDS.length) {
    return `has ${fields.length} fields; EventBridge Scheduler cron has 6: cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 7 * * ? *)`;
  }
  const parsed = fields.map((text, i) => parseField(text, FIELDS[i]));
  const broken = parsed.find((p) => "problem" in p);
  if (broken && "problem" in broken) return broken.problem;
  // AWS rejects a cron that sets both days, or neither.
  const questionMarks = [fields[2], fields[4]].filter((f) => f === "?").length;
  if (questionMarks === 0)
    return `sets both day-of-month and day-of-week; exactly one of them must be "?", e.g. cron(0 8 ? * MON *) or cron(0 3 1 * ? *)`;
  if (questionMarks === 2)
    return `has "?" in both day-of-month and day-of-week; exactly one of them must be "?", e.g. cron(0 7 * * ? *)`;
  // A day that no month of the expression has: accepted by AWS, and never runs.
  const days = (parsed[2] as { values?: Set<number> }).values;
  const months = (parsed[3] as { values?: Set<number> }).values;
  if (days && months && ![...months].some((month) => [...days].some((day) => day <= MONTH_DAYS[month - 1]))) {
    const names = [...months].map((m) => MONTHS[m - 1]).join(", ");
    return `never runs: no day ${[...days].join(", ")} in ${names}; pick a day every chosen month has, or L for the last day`;
  }
  return undefined;
}

function atProblem(body: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body.trim());
  if (!m) return "is not at(yyyy-mm-ddThh:mm:ss), e.g. at(2027-01-31T07:00:00)";
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const real =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return real ? undefined : `names no real date and time (${body.trim()}); e.g. at(2027-01-31T07:00:00)`;
}

function rateProblem(body: string): string | undefined {
  const rate = /^(\d+) (minute|hour|day)(s?)$/.exec(body.trim());
  if (!rate) return `is not rate(N minutes|hours|days), e.g. rate(5 minutes) or rate(1 day)`;
  const [, n, unit, plural] = rate;
  const count = Number(n);
  if (count < 1) return `has a rate of ${n}; the rate must be at least 1, e.g. rate(1 ${unit})`;
  // AWS wants "1 minute" but "5 minutes".
  const want = count === 1 ? unit : `${unit}s`;
  if (want !== unit + plural) return `must be written rate(${count} ${want})`;
  return undefined;
}

/** What is wrong with an EventBridge Scheduler expression, or undefined when AWS accepts it and it can run. */
export function scheduleProblem(expression: string): string | undefined {
  const m = /^(cron|rate|at)\((.*)\)$/.exec(expression.trim());
  if (!m)
    return `is not an EventBridge Scheduler expression; expected ${SCHEDULE_FORM}, e.g. cron(0 7 * * ? *) or rate(1 minute)`;
  const [, kind, body] = m;
  return kind === "cron" ? cronProblem(body) : kind === "rate" ? rateProblem(body) : atProblem(body);
}
