// The backup image's handlers run two ways from the same bundle: as a Lambda handler (the
// runtime calls `handler`), or as a plain process on ECS Fargate (`node backup/index.js`), for a
// database past Lambda's 15 minutes. Same inputs (the environment), same heartbeat and metrics
// (EMF on stdout, which CloudWatch Logs extracts from either log group), same manifest and record;
// the process ends with the code ECS reports: 0 done, 1 failed, 124 past its maximum run time.
import { ENV } from "../core/contract";

/** Exit code of a run stopped at its maximum time (as coreutils' `timeout`). */
export const OVERRAN_EXIT_CODE = 124;

class Overran extends Error {}

/** Runs `handler` once as this process's whole work and resolves to the exit code it ends with. */
export async function runHandler(
  name: string,
  handler: () => Promise<unknown>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const maxSeconds = Number(env[ENV.maxRunSeconds] ?? 0);
  let timer: NodeJS.Timeout | undefined;
  // A hung dump must not hold the task (and its bill) for ever: past the limit the process ends.
  const deadline = new Promise<never>((_, reject) => {
    if (maxSeconds > 0)
      timer = setTimeout(
        () => reject(new Overran(`${name} ran past ${ENV.maxRunSeconds} (${maxSeconds} s): stopped`)),
        maxSeconds * 1000,
      );
  });
  try {
    const result = await Promise.race([handler(), deadline]);
    console.log(JSON.stringify({ level: "INFO", message: `${name}: done`, result }));
    return 0;
  } catch (error) {
    const overran = error instanceof Overran;
    console.error(
      JSON.stringify({
        level: "ERROR",
        message: `${name}: ${overran ? "overran" : "failed"}`,
        error: (error as Error).stack ?? String(error),
      }),
    );
    return overran ? OVERRAN_EXIT_CODE : 1;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `if (require.main === module) runAsProcess("backup", handler)`: runs the handler, lets stdout
 * (the heartbeat's EMF) drain, then exits; idle keep-alive sockets and a child still running
 * past the deadline must not keep the task alive.
 */
export function runAsProcess(name: string, handler: () => Promise<unknown>): void {
  void runHandler(name, handler).then((code) =>
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code))),
  );
}
