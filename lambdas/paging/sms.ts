// The text a phone gets: one SMS segment (≤ 140 GSM-7 characters, the budget of one part
// once the sender's prefix is counted), naming the level, the app, what is wrong and since
// when, e.g. `N3 elegance-mobilite: Service inaccessible depuis 07:42 - runbook: https://…`.
// Accents are transliterated: one character outside GSM-7 turns the whole SMS into UCS-2
// (70 characters a part), which splits or truncates pages.
import type { IncidentMessage, Level } from "../core/contract";

/** One segment of a single-part SMS, kept under 160 for the sender id and carrier prefixes. */
export const SMS_MAX_CHARS = 140;

// GSM 03.38 basic set (accents included), and the extension characters that cost two.
const GSM7_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM7_EXTENSION = new Set("^{}\\[~]|€");

/** The cost of a text in GSM-7 septets, or undefined when a character is outside GSM-7. */
export function gsm7Length(text: string): number | undefined {
  let n = 0;
  for (const c of text) {
    if (GSM7_BASIC.has(c)) n += 1;
    else if (GSM7_EXTENSION.has(c)) n += 2;
    else return undefined;
  }
  return n;
}

const PUNCTUATION: Record<string, string> = {
  "—": "-",
  "–": "-",
  "’": "'",
  "‘": "'",
  "«": '"',
  "»": '"',
  "“": '"',
  "”": '"',
  "…": "...",
  "\u00a0": " ",
  "\u202f": " ",
  "·": "-",
  "›": ">",
  "≥": ">=",
  "≤": "<=",
};

/** Plain ASCII-ish text: dashes, quotes and accents transliterated, anything else `?`; one line. */
export function toGsm7(text: string): string {
  const plain = [...text]
    .map((c) => PUNCTUATION[c] ?? c)
    .join("")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/\s+/g, " ");
  return [...plain].map((c) => (GSM7_BASIC.has(c) && c !== "\n" && c !== "\r" ? c : "?")).join("");
}

/** `07:42`, Paris time (the team's clock). */
export function parisTime(at: Date): string {
  return new Intl.DateTimeFormat("fr-FR", {
    timeZone: "Europe/Paris",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(at);
}

export interface SmsPage {
  level: Level;
  app: string;
  /** What is wrong, a few words; shortened to fit. */
  what: string;
  since: Date;
  /** Back to normal (an alarm's OK). */
  resolved?: boolean;
  /** A short link to the runbook, when the stack has one; else the e-mail has it. */
  runbookUrl?: string;
}

/** The one-segment text of a page: level, app, what, when, where to read on. */
export function smsText(page: SmsPage): string {
  const head = toGsm7(`N${page.level} ${page.app}: ${page.resolved ? "RETABLI " : ""}`);
  const tail = toGsm7(
    ` ${page.resolved ? "a" : "depuis"} ${parisTime(page.since)} - runbook: ${page.runbookUrl ?? "voir e-mail"}`,
  );
  let what = toGsm7(page.what).trim();
  const room = SMS_MAX_CHARS - head.length - tail.length;
  if (what.length > room) what = `${what.slice(0, Math.max(0, room - 3)).trimEnd()}...`;
  return `${head}${what}${tail}`;
}

/** The link to a page's runbook: `<base>/<id>`, or none without a base. */
export const runbookLink = (base: string | undefined, id: string) =>
  base ? `${base.replace(/\/$/, "")}/${id}` : undefined;

/** A check-list incident as an SMS. */
export function incidentSms(incident: IncidentMessage, runbookBaseUrl?: string): string {
  const app = incident.dedupKey.split("/")[0];
  return smsText({
    level: incident.level,
    app,
    what: `${incident.check} ${incident.status === "fail" ? "en echec" : "a surveiller"} (${incident.checklist}): ${incident.summary}`,
    since: new Date(incident.at),
    runbookUrl: runbookLink(runbookBaseUrl, incident.check),
  });
}

/** What CloudWatch publishes for an alarm (the fields the texts read). */
export interface AlarmNotification {
  AlarmName: string;
  AlarmDescription?: string | null;
  NewStateValue: "ALARM" | "OK" | "INSUFFICIENT_DATA";
  StateChangeTime?: string;
}

/**
 * What an alarm of this stack is about: the first clause of the problem its description
 * states after the level (infra/alarms.ts alarmDescription), else its name.
 */
export function alarmWhat(alarm: AlarmNotification): string {
  const first = (alarm.AlarmDescription ?? "").split("\n")[0];
  const problem = first.match(/^Niveau \d[^)]*\)[^)]*\)\. (.+)$/)?.[1];
  if (!problem) return alarm.AlarmName;
  return problem.split(/ : |\. /)[0].replace(/\.$/, "");
}

/** A CloudWatch alarm as an SMS, or undefined for INSUFFICIENT_DATA (says nothing about the service). */
export function alarmSms(
  alarm: AlarmNotification,
  level: Level,
  app: string,
  runbookBaseUrl?: string,
): string | undefined {
  if (alarm.NewStateValue === "INSUFFICIENT_DATA") return undefined;
  return smsText({
    level,
    app,
    what: alarmWhat(alarm),
    since: alarm.StateChangeTime ? new Date(alarm.StateChangeTime) : new Date(),
    resolved: alarm.NewStateValue === "OK",
    runbookUrl: runbookLink(
      runbookBaseUrl,
      alarm.AlarmName.startsWith(`${app}-`) ? alarm.AlarmName.slice(app.length + 1) : alarm.AlarmName,
    ),
  });
}
