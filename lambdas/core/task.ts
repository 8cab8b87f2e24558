// What every maintenance task reports, dry run or not.
export interface Progress {
  done: number;
  total: number;
  /** Rows per second so far. */
  rate: number;
  /** Seconds left at that rate. */
  etaSeconds: number;
}

export interface TaskOptions {
  dryRun?: boolean;
  /** Called after each batch (the CLI draws a progress line). */
  onProgress?: (progress: Progress) => void;
  /** Rows per batch (one short transaction each). */
  batchSize?: number;
}

export interface TaskResult {
  task: string;
  dryRun: boolean;
  /** "already running": another run holds the lock; nothing was done. */
  skipped?: string;
  /** What was (or, dry, would be) done, e.g. `{ moved: 1200, batches: 3 }`. */
  counts: Record<string, number>;
  /** Longest single transaction, ms (what the app may have waited on). */
  longestTransactionMs: number;
  durationMs: number;
  summary: string;
  details?: unknown;
}

export function progressOf(done: number, total: number, startedAt: number): Progress {
  const seconds = (performance.now() - startedAt) / 1000;
  const rate = seconds > 0 ? done / seconds : 0;
  return { done, total, rate, etaSeconds: rate > 0 ? Math.max(0, (total - done) / rate) : 0 };
}

/** Milliseconds per phase of a task (`mark("setup")` ends the phase begun at the last mark). */
export function phaseTimer(began: number): { phases: Record<string, number>; mark(name: string): void } {
  const phases: Record<string, number> = {};
  let start = began;
  return {
    phases,
    mark(name) {
      const now = performance.now();
      phases[name] = Math.round(now - start);
      start = now;
    },
  };
}
