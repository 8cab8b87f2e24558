// Value checks that zod has no built-in for. Each returns what is wrong (the text that
// follows the value in the message, including what to write instead) or undefined when fine.

/** The only retention periods CloudWatch Logs accepts (PutRetentionPolicy). */
export const CLOUDWATCH_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const EXAMPLE_APP_URL = "https://www.elegance-mobilite.fr";
export const DATABASE_URL_FORM = "postgresql://USER:PASSWORD@HOST:5432/DATABASE";

export function retentionProblem(days: number, minimum: number, why: string): string | undefined {
  if (!(CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(days)) {
    return `is not a CloudWatch retention value; use one of ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`;
  }
  if (days < minimum) return `is too short: ${why}; use ${minimum} or more`;
  return undefined;
}

// Schedules: EventBridge Scheduler grammar and ranges (./schedule.ts).
export { scheduleProblem } from "./schedule";

export function timezoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return undefined;
  } catch {
    return "is not an IANA time zone; expected a zone name like Europe/Paris";
  }
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function appUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `is not a URL; expected the app's https origin, e.g. ${EXAMPLE_APP_URL}`;
  }
  if (url.protocol === "http:" && !LOCAL_HOSTS.has(url.hostname)) {
    return `uses http; expected https (http is allowed only for localhost), e.g. ${EXAMPLE_APP_URL}`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return `is not an http(s) URL; expected e.g. ${EXAMPLE_APP_URL}`;
  if (url.username || url.password) return `contains credentials; expected the origin only, e.g. ${EXAMPLE_APP_URL}`;
  // The probe appends app.healthPath; a path here would double it.
  if (url.pathname !== "/" || url.search || url.hash || /[?#]/.test(text)) {
    return `has a path, query or fragment; expected the origin only (${url.origin}); put the health check path in app.healthPath`;
  }
  return undefined;
}

/** Never quotes the value: it is a secret. */
export function databaseUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `is not a URL; expected ${DATABASE_URL_FORM}`;
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    return `is not a postgres:// or postgresql:// URL; expected ${DATABASE_URL_FORM}`;
  }
  if (!url.hostname) return `has no host; expected ${DATABASE_URL_FORM}`;
  if (url.pathname.replace(/^\//, "") === "")
    return `has no database name; expected ${DATABASE_URL_FORM} (Supabase's is postgres)`;
  return undefined;
}

export const normalizePhone = (phone: string): string => phone.replace(/\s+/g, "");

export function phoneProblem(phone: string): string | undefined {
  return /^\+[1-9]\d{7,14}$/.test(normalizePhone(phone))
    ? undefined
    : "is not an E.164 phone number; expected + country code and number, spaces allowed, e.g. +33 6 12 34 56 78";
}
