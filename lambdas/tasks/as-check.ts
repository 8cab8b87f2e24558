// The monthly list runs the maintenance tasks as checks: a task that did its work (or found
// another run holding its lock) is `ok` with its counts; one that failed is a `fail` whose
// summary is the task's own message.
import type { Check } from "../core/check";
import type { TaskInputs } from "../core/inputs";
import type { TaskResult } from "../core/task";

export function taskCheck(
  id: string,
  title: string,
  run: (databaseUrl: string, inputs: TaskInputs) => Promise<TaskResult>,
): Check {
  return {
    id,
    title,
    async run({ inputs }) {
      if (!inputs.databaseUrl) throw new Error("no database URL (--database-url / DATABASE_URL)");
      const result = await run(await inputs.databaseUrl(), inputs);
      return {
        status: "ok",
        summary: result.summary,
        details: {
          counts: result.counts,
          longestTransactionMs: result.longestTransactionMs,
          durationMs: Math.round(result.durationMs),
          ...(result.details ? { details: result.details } : {}),
        },
        metrics: result.counts,
      };
    },
  };
}
