// A Vercel log drain delivery, as data: its signature, its entries (each with the exact text it
// arrived as, so the stored lines are the delivered bytes), and what each entry is: a request
// (access log) or an application line, an error, a 5xx, a duration. Pure: no I/O.
//
// Fields read (Vercel's log drain reference): `timestamp` (Unix ms), `source` (build, edge,
// lambda, static, external, firewall, redirect), `type` (stdout, stderr, report, ...), `level`
// (info, warning, error, fatal), `message`, `statusCode` (-1: no response, the function
// crashed), `requestId`, `proxy` (the request: statusCode, vercelId, ...; proxy.statusCode -1
// is a background revalidation, not a response).
import { createHmac, timingSafeEqual } from "node:crypto";

export interface DrainEntry {
  /**
   * The entry exactly as it arrived: an ndjson line, or a json array element's source text
   * (JSON.stringify of it only when the element was spread over several lines).
   */
  text: string;
  value: Record<string, unknown>;
}

export type LogKind = "app" | "access";

export class MalformedDelivery extends Error {
  override name = "MalformedDelivery";
}

/**
 * `x-vercel-signature` is the hex HMAC-SHA1 of the raw body with the drain's secret. Compared
 * in constant time; a missing or differently sized header is simply false.
 */
export function verifySignature(rawBody: Buffer, signature: string | undefined, secret: string): boolean {
  if (!signature || !secret) return false;
  const expected = Buffer.from(createHmac("sha1", secret).update(rawBody).digest("hex"), "utf8");
  const given = Buffer.from(signature.trim().toLowerCase(), "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const JSON_SPACE = /^[ \t\r\n]*$/;

/**
 * The entries of a delivery, `json` (one array) or `ndjson` (one object a line), told apart by
 * the first non-blank character, which is unambiguous (Vercel's content types have varied).
 * Throws MalformedDelivery when any part is not a JSON object: all or nothing.
 */
export function parseDelivery(rawBody: Buffer): DrainEntry[] {
  let text: string;
  try {
    // fatal: invalid UTF-8 is refused rather than stored with replacement characters.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(rawBody);
  } catch {
    throw new MalformedDelivery("body is not UTF-8");
  }
  const first = text.match(/[^ \t\r\n]/)?.[0];
  if (first === undefined) return [];
  if (first === "[") return parseJsonArray(text);
  if (first === "{") return parseNdjson(text);
  throw new MalformedDelivery("body is neither a JSON array nor NDJSON objects");
}

function parseNdjson(text: string): DrainEntry[] {
  const entries: DrainEntry[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (JSON_SPACE.test(line)) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new MalformedDelivery(`line ${index + 1} is not valid JSON`);
    }
    if (!isObject(value)) throw new MalformedDelivery(`line ${index + 1} is not a JSON object`);
    entries.push({ text: line, value });
  });
  return entries;
}

function parseJsonArray(text: string): DrainEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MalformedDelivery("body is not valid JSON");
  }
  if (!Array.isArray(parsed)) throw new MalformedDelivery("body is not a JSON array");
  const texts = arrayElementTexts(text);
  if (texts.length !== parsed.length) throw new MalformedDelivery("could not delimit the array's elements");
  return parsed.map((value, i) => {
    if (!isObject(value)) throw new MalformedDelivery(`element ${i} is not a JSON object`);
    // A pretty-printed element spans lines; an NDJSON line cannot, so that one is re-serialised.
    return { text: texts[i].includes("\n") ? JSON.stringify(value) : texts[i], value };
  });
}

/**
 * The source text of each top-level element of a JSON array that JSON.parse already accepted:
 * a scan that only tracks strings (with escapes) and nesting depth, which is all a valid
 * document needs to be cut at its top-level commas.
 */
function arrayElementTexts(text: string): string[] {
  const elements: string[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "[" || c === "{") {
      depth++;
      if (depth === 1) start = i + 1;
    } else if (c === "]" || c === "}") {
      depth--;
      if (depth === 0) {
        const last = text.slice(start, i).trim();
        if (last) elements.push(last);
        break;
      }
    } else if (c === "," && depth === 1) {
      elements.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return elements;
}

/** Unix ms of the entry, when it carries a usable one. */
export function entryTime(value: Record<string, unknown>): number | undefined {
  const t = value.timestamp;
  return typeof t === "number" && Number.isFinite(t) && t > 0 ? t : undefined;
}

const REQUEST_SOURCES = new Set(["firewall", "redirect", "external"]);
const OUTPUT_TYPES = new Set(["stdout", "stderr", "fatal"]);

/**
 * `app`: what the code printed (build output, function stdout/stderr, even when Vercel attaches
 * the request's `proxy` to it). `access`: records of requests (entries with a `proxy` and no
 * program output, firewall, redirect and external-rewrite logs). Anything else is an app line.
 */
export function classify(value: Record<string, unknown>): LogKind {
  if (value.source === "build") return "app";
  if (typeof value.type === "string" && OUTPUT_TYPES.has(value.type)) return "app";
  if (isObject(value.proxy)) return "access";
  if (typeof value.source === "string" && REQUEST_SOURCES.has(value.source)) return "access";
  return "app";
}

/** An error-level line: stderr output, or level error/fatal. */
export function isErrorLine(value: Record<string, unknown>): boolean {
  return value.type === "stderr" || value.type === "fatal" || value.level === "error" || value.level === "fatal";
}

/**
 * The entry tells of a request answered 5xx: proxy.statusCode or statusCode >= 500, or
 * statusCode -1 (the function crashed without answering; the client got an error page).
 */
export function is5xx(value: Record<string, unknown>): boolean {
  const proxy = isObject(value.proxy) ? value.proxy : undefined;
  const status = (v: unknown) => (typeof v === "number" ? v : undefined);
  const proxyStatus = status(proxy?.statusCode);
  const entryStatus = status(value.statusCode);
  return (
    (proxyStatus !== undefined && proxyStatus >= 500) ||
    (entryStatus !== undefined && (entryStatus >= 500 || entryStatus === -1))
  );
}

/**
 * What identifies the request an entry belongs to, so one request logged over several lines
 * counts once as a 5xx: requestId, else the proxy's vercelId, else the entry's own id or text.
 */
export function requestKey(entry: DrainEntry): string {
  const v = entry.value;
  const proxy = isObject(v.proxy) ? v.proxy : undefined;
  for (const id of [v.requestId, proxy?.vercelId, v.id]) if (typeof id === "string" && id) return id;
  return entry.text;
}

// A function's REPORT line ("REPORT RequestId: … Duration: 12.34 ms Billed Duration: 13 ms …",
// type `report`): Vercel's schema has no duration field, this line is where the time is.
const REPORT_DURATION = /(?<!Billed )\bDuration: (\d+(?:\.\d+)?) ms/;

/** Milliseconds the request took, when the entry says. */
export function durationMs(value: Record<string, unknown>): number | undefined {
  if (typeof value.message !== "string" || (value.type !== "report" && !value.message.startsWith("REPORT ")))
    return undefined;
  const match = REPORT_DURATION.exec(value.message);
  return match ? Number(match[1]) : undefined;
}
