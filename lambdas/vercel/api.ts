// A small client of Vercel's REST API: bearer token, the team as a query parameter, retries of
// 429 and 5xx answers (honouring Retry-After, bounded), and errors that carry the HTTP status
// and Vercel's own `error.message`. The token only ever goes in the Authorization header.

export const DEFAULT_VERCEL_API_URL = "https://api.vercel.com";

export interface VercelApiOptions {
  token: string;
  /** `team_…` is sent as `teamId`, anything else as the team's `slug`. */
  team?: string;
  /** Default https://api.vercel.com; tests point it at a loopback server. */
  baseUrl?: string;
  /** Retries after the first attempt, for 429, 5xx and network errors. */
  maxRetries?: number;
  /** First backoff delay when the answer has no Retry-After; doubles each retry. */
  retryBaseMs?: number;
  /** Longest wait before a retry, whatever Retry-After says. */
  maxRetryDelayMs?: number;
  /** Per-request time limit. */
  timeoutMs?: number;
}

export class VercelApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    /** HTTP status; undefined when no answer arrived. */
    readonly status: number | undefined,
    /** Vercel's `error.code`, e.g. `forbidden`, `not_found`. */
    readonly code: string | undefined,
    detail: string,
  ) {
    super(
      `Vercel API ${method} ${path}: ${status !== undefined ? `HTTP ${status}${code ? ` ${code}` : ""}: ` : ""}${detail}`,
    );
    this.name = "VercelApiError";
  }
}

type Query = Record<string, string | number | undefined>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Vercel answers errors as `{"error": {"code", "message"}}`; anything else is shown as text. */
function errorDetail(status: number, statusText: string, body: string): { code?: string; message: string } {
  try {
    const error = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }).error;
    if (error && typeof error.message === "string")
      return { code: typeof error.code === "string" ? error.code : undefined, message: error.message };
  } catch {
    // not JSON: fall through
  }
  const text = body.trim().slice(0, 200);
  return { message: text || statusText || `HTTP ${status}` };
}

export class VercelApi {
  private readonly baseUrl: string;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: VercelApiOptions) {
    if (!options.token) throw new Error("no Vercel token");
    this.baseUrl = (options.baseUrl ?? DEFAULT_VERCEL_API_URL).replace(/\/+$/, "");
    this.maxRetries = options.maxRetries ?? 3;
    this.retryBaseMs = options.retryBaseMs ?? 500;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", path, { query });
  }

  post<T>(path: string, body: unknown = {}, query?: Query): Promise<T> {
    return this.request<T>("POST", path, { query, body });
  }

  patch<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.request<T>("PATCH", path, { query, body });
  }

  url(path: string, query: Query = {}): string {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) url.searchParams.set(name, String(value));
    const team = this.options.team;
    if (team) url.searchParams.set(team.startsWith("team_") ? "teamId" : "slug", team);
    return url.toString();
  }

  async request<T>(method: string, path: string, { query, body }: { query?: Query; body?: unknown } = {}): Promise<T> {
    const url = this.url(path, query);
    for (let attempt = 0; ; attempt++) {
      const retriesLeft = attempt < this.maxRetries;
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${this.options.token}`,
            accept: "application/json",
            ...(body !== undefined ? { "content-type": "application/json" } : {}),
          },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const detail =
          (error as Error).name === "TimeoutError"
            ? `no answer within ${this.timeoutMs} ms`
            : `request failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`;
        if (!retriesLeft)
          throw new VercelApiError(method, path, undefined, undefined, `${detail} (after ${attempt + 1} attempts)`);
        await sleep(this.backoff(attempt, undefined));
        continue;
      }
      const text = await response.text();
      if (response.ok) return (text ? JSON.parse(text) : {}) as T;
      const retryable = response.status === 429 || response.status >= 500;
      if (retryable && retriesLeft) {
        await sleep(this.backoff(attempt, retryAfterMs(response.headers.get("retry-after"))));
        continue;
      }
      const { code, message } = errorDetail(response.status, response.statusText, text);
      const tries = retryable ? ` (after ${attempt + 1} attempts)` : "";
      throw new VercelApiError(method, path, response.status, code, `${message}${tries}`);
    }
  }

  private backoff(attempt: number, retryAfter: number | undefined): number {
    const delay = retryAfter ?? this.retryBaseMs * 2 ** attempt * (0.5 + Math.random() / 2);
    return Math.min(delay, this.maxRetryDelayMs);
  }
}
