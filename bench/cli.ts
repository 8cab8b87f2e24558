// `npm run bench -- cli`: how fast the operator CLI starts. The built CLI (.build/cli, what
// `npx ops` runs) against the ts-node start it replaces, with `node -e 0` as the floor, for
// `--help` (target <= 0.5 s) and for `db check` against the test bed's database (target <= 1.5 s).
//   npm run bench -- cli            BENCH_ROUNDS=5 npm run bench -- cli
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { buildCli, CLI_FILE } from "../bin/build-cli";
import { freshDatabase } from "../test/support/db";
import globalSetup from "../test/support/global-setup";
import globalTeardown from "../test/support/global-teardown";
import { alternate, benchRounds, describeMachine, describeSamples, samples } from "./measure";

const ROOT = path.join(__dirname, "..");
const TS_NODE = [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "bin/ops.ts"];

/** Seconds one process takes, start to exit; exit codes outside `ok` throw. */
function timed(args: string[], env: NodeJS.ProcessEnv = {}, ok = [0]): number {
  const started = performance.now();
  const p = spawnSync(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: "utf8",
  });
  const seconds = (performance.now() - started) / 1000;
  if (!ok.includes(p.status ?? -1)) throw new Error(`node ${args.join(" ")} exited ${p.status}: ${p.stderr}`);
  return seconds;
}

function report(what: string, built: number[], tsNode: number[], target: number, floor?: number[]): void {
  const b = samples(built);
  const t = samples(tsNode);
  console.log(
    `${what}, built CLI: ${describeSamples(b, "s", 3)} (target <= ${target} s: ${b.median <= target ? "met" : "NOT met"})`,
  );
  console.log(
    `${what}, ts-node --transpile-only bin/ops.ts: ${describeSamples(t, "s", 3)} (${(t.median / b.median).toFixed(1)}x the built CLI)`,
  );
  if (floor) console.log(`node -e 0 (the floor): ${describeSamples(samples(floor), "s", 3)}`);
}

async function main(): Promise<void> {
  console.log(describeMachine("before"));
  await buildCli();
  const rounds = benchRounds();

  // --help: cheap, so more rounds; the floor is measured next to each built run.
  const floor: number[] = [];
  const help = await alternate(
    rounds * 3,
    { name: "built --help", run: async () => (floor.push(timed(["-e", "0"])), timed([CLI_FILE, "--help"])) },
    { name: "ts-node --help", run: async () => timed([...TS_NODE, "--help"]) },
    undefined,
    () => undefined,
  );
  report("ops --help", help.ours, help.baseline, 0.5, floor);

  // db check: the test bed's PostgreSQL (jest's globalSetup) and a fresh copy of its fixture.
  await globalSetup();
  try {
    const db = await freshDatabase();
    try {
      // A failing check exits 1: still a complete run.
      const env = { DATABASE_URL: db.url };
      const check = await alternate(
        rounds,
        { name: "built db check", run: async () => timed([CLI_FILE, "db", "check"], env, [0, 1]) },
        { name: "ts-node db check", run: async () => timed([...TS_NODE, "db", "check"], env, [0, 1]) },
      );
      report("ops db check", check.ours, check.baseline, 1.5);
    } finally {
      await db.drop();
    }
  } finally {
    await globalTeardown();
  }
  console.log(describeMachine("after"));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
