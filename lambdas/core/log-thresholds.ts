// Thresholds of the daily log check (lambdas/checks/app-logs.ts) over the last 24 h of Vercel
// logs; LOG_THRESHOLDS (JSON, from the stack config) overrides any of them. A count at or above
// a threshold raises that status.
export interface LogThresholds {
  /** Error-level lines (stderr, level error/fatal). */
  errorLinesWarn: number;
  errorLinesFail: number;
  /** Requests answered 5xx (or crashed without an answer), each request once. */
  http5xxWarn: number;
  http5xxFail: number;
  /** How many of the most frequent error messages the details list. */
  topMessages: number;
}

export const DEFAULT_LOG_THRESHOLDS: LogThresholds = {
  errorLinesWarn: 50,
  errorLinesFail: 500,
  http5xxWarn: 10,
  http5xxFail: 100,
  topMessages: 10,
};
