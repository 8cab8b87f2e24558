// Runs the built operator CLI (.build/cli/, rebuilt by jest's globalSetup from the current
// sources) the way `npx ops …` does, in a clean environment.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CLI_FILE } from "../../bin/build-cli";

const run = promisify(execFile);

export async function ops(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI_FILE, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
