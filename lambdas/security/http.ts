// The HTTP client of the security sources (npm registry, OSV, Snyk, Supabase): JSON over fetch
// with a time limit per request, bounded retries of 429/5xx/network errors (honouring
// Retry-After), and a request counter so the scan says how many calls it made. A source that
// still fails is a SourceUnavailableError: the check reports it, never "no vulnerabilities".
import { retryAfterMs } from "../vercel/api";

export interface HttpOptions {
  /** Per-request time limit. @default 20000 */
  timeoutMs?: number;
  /** Retries after the first attempt. @default 3 */
  maxRetries?: number;
  /** First backoff; doubles each retry. @default 500 */
  retryBaseMs?: number;
  /** Longest wait before a retry. @default 10000 */
  maxRetryDelayMs?: number;
  signal?: AbortSignal;
}

export class SourceUnavailableError extends Error {
  constructor(
    readonly source: string,
    detail: string,
    /** The answer's HTTP status, when one came (a caller tells 401 from 404 by it). */
    readonly status?: number,
  ) {
    super(`${source}: ${detail}`);
    this.name = "SourceUnavailableError";
  }
}

/** Counts the requests each source received (the bench compares them with one per package). */
export class RequestCounter {
  readonly counts: Record<string, number> = {};
  add(source: string): void {
    this.counts[source] = (this.counts[source] ?? 0) + 1;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface JsonRequest {
  source: string;
  url: string;
  method?: "GET" | "POST";
  body?: unknown;
  headers?: Record<string, string>;
  /** Answers that are not errors but "nothing here" (e.g. 404 for an unknown package). */
  allow?: number[];
  /** The body as text, not parsed (a lock-file GitHub sends raw). */
  raw?: boolean;
}

export class JsonClient {
  constructor(
    private readonly options: HttpOptions = {},
    readonly counter = new RequestCounter(),
  ) {}

  /** The parsed JSON body (the text when `raw`), or `undefined` for an allowed status; throws SourceUnavailableError. */
  async request<T>(req: JsonRequest): Promise<T | undefined> {
    const { timeoutMs = 20_000, maxRetries = 3, retryBaseMs = 500, maxRetryDelayMs = 10_000 } = this.options;
    const where = `${req.method ?? "GET"} ${new URL(req.url).pathname}`;
    for (let attempt = 0; ; attempt++) {
      this.counter.add(req.source);
      const last = attempt >= maxRetries;
      const signals = [AbortSignal.timeout(timeoutMs), ...(this.options.signal ? [this.options.signal] : [])];
      let response: Response;
      try {
        response = await fetch(req.url, {
          method: req.method ?? "GET",
          headers: {
            accept: "application/json",
            ...(req.body !== undefined ? { "content-type": "application/json" } : {}),
            ...req.headers,
          },
          body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
          signal: AbortSignal.any(signals),
        });
      } catch (error) {
        if (this.options.signal?.aborted) throw error;
        const e = error as Error & { cause?: { code?: string } };
        const detail =
          e.name === "TimeoutError"
            ? `no answer within ${timeoutMs} ms`
            : `request failed: ${e.cause?.code ?? e.message}`;
        if (last) throw new SourceUnavailableError(req.source, `${where}: ${detail} (after ${attempt + 1} attempts)`);
        await sleep(Math.min(retryBaseMs * 2 ** attempt, maxRetryDelayMs));
        continue;
      }
      const text = await response.text();
      if (response.ok) {
        if (req.raw) return text as T;
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new SourceUnavailableError(
            req.source,
            `${where}: HTTP ${response.status} with a body that is not JSON`,
          );
        }
      }
      if (req.allow?.includes(response.status)) return undefined;
      const retryable = response.status === 429 || response.status >= 500;
      if (retryable && !last) {
        const wait = retryAfterMs(response.headers.get("retry-after")) ?? retryBaseMs * 2 ** attempt;
        await sleep(Math.min(wait, maxRetryDelayMs));
        continue;
      }
      const tries = retryable ? ` (after ${attempt + 1} attempts)` : "";
      throw new SourceUnavailableError(
        req.source,
        `${where}: HTTP ${response.status} ${text.trim().slice(0, 160)}${tries}`,
        response.status,
      );
    }
  }
}
