// Killing a task mid-run the way production does (its backend terminated), and seeded randomness.
import type { Client } from "pg";

export function seededRandom(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * Runs `task`, terminates its database backend (found by application_name) after `afterMs`,
 * and returns whether the kill interrupted it (false when it finished first).
 */
export async function killWhileRunning(
  admin: Client,
  applicationName: string,
  afterMs: number,
  task: () => Promise<unknown>,
): Promise<boolean> {
  const running = task().then(
    () => false,
    (error: Error) => {
      if (/terminat|Connection terminated|connection/i.test(error.message)) return true;
      throw error;
    },
  );
  await new Promise((r) => setTimeout(r, afterMs));
  await admin.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database() AND pid <> pg_backend_pid()",
    [applicationName],
  );
  return running;
}
