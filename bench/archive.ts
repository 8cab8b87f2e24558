// Benchmark: the monthly tasks' batched way against the guide's one-shot statements, on the
// same server in the same run, each run on its own copy (CREATE DATABASE … TEMPLATE) of the
// same seeded data, the two sides alternated (bench/measure.ts), medians compared.
// - rides, three ways: no table references rides; ride_payments (1 per ride, ON DELETE CASCADE)
//   listed in withDependents, so payments move with their rides (the one-shot moves them too);
//   ride_payments for recent rides only, the default "referenced rides stay" with none to keep
//   (what the reference probes cost).
// - sessions: cleanSessions (batches over heap page ranges) against one `DELETE FROM auth.sessions WHERE …`.
// Prints rows/s of each (median and spread), the ratio of the medians (target ≥ 0.8), the
// longest single batched transaction (target ≤ 1 s: what the app may wait on), and where the
// time went (the task's phases, the one-shot's statements) in the median run.
//   npm run bench -- archive                                   (200,000 rides, half to move)
//   BENCH_RIDES=2000000 BENCH_ROUNDS=3 npm run bench -- archive (the issue's full size)
import { Client } from "pg";
import { archiveRides } from "../lambdas/tasks/archive-rides";
import { cleanSessions } from "../lambdas/tasks/clean-sessions";
import type { TaskResult } from "../lambdas/core/task";
import { connect, dbUrl, freshDatabase, superuserUrl, testbed } from "../test/support/db";
import { generateDrivers, generateRides, generateSessions, generateUsers } from "../test/support/generate";
import globalSetup from "../test/support/global-setup";
import globalTeardown from "../test/support/global-teardown";
import { alternate, benchRounds, describeMachine, describeSamples, samples } from "./measure";

const RIDES = Number(process.env.BENCH_RIDES ?? 200_000);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? Math.round(RIDES / 4));
const NOW = new Date();
const BEFORE = new Date(NOW.getTime() - 183 * 86_400_000);

const PAYMENTS = `CREATE TABLE public.ride_payments (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ride_id bigint NOT NULL REFERENCES public.rides ON DELETE CASCADE, amount_cents int NOT NULL, paid_at timestamptz NOT NULL);
  CREATE INDEX ride_payments_ride_id_idx ON public.ride_payments (ride_id); ALTER TABLE public.ride_payments OWNER TO postgres`;
interface Scenario {
  name: string;
  payments?: string;
  withDependents?: string[];
}
const SCENARIOS: Scenario[] = [
  { name: "no table references rides" },
  {
    name: "ride_payments, 1 per ride, withDependents (payments move too)",
    payments: "true",
    withDependents: ["public.ride_payments"],
  },
  {
    name: "ride_payments for recent rides only (referenced rides stay; none to keep)",
    payments: `created_at >= '${BEFORE.toISOString()}'`,
  },
];

async function admin(database: string): Promise<Client> {
  return connect(dbUrl(database, testbed().superuser));
}

/** A seeded database to copy (renamed off the fixture's copy); with `base`, that copy plus ride_payments for the rides `payments` selects. */
async function template(payments?: string, base?: string): Promise<string> {
  const name = `bench_${base ? "pay" : "base"}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const su = await connect(superuserUrl());
  if (base) {
    await su.query(`CREATE DATABASE ${name} TEMPLATE ${base}`);
    const c = await admin(name);
    await c.query(PAYMENTS);
    await c.query(
      `INSERT INTO public.ride_payments (ride_id, amount_cents, paid_at) SELECT id, coalesce(price_cents, 0), created_at FROM public.rides WHERE ${payments}`,
    );
    await c.query("VACUUM (ANALYZE) public.ride_payments");
    await c.end();
  } else {
    const db = await freshDatabase();
    const c = await admin(db.name);
    await generateUsers(c, { count: 20_000, seed: 1, now: NOW });
    await generateDrivers(c, { count: 300, seed: 1, now: NOW });
    // Half the rides older than the cutoff: the issue's 1,000,000 to move out of 2,000,000.
    await generateRides(c, { count: RIDES, oldFraction: 0.5, olderThanMonths: 7, seed: 1, now: NOW });
    await generateSessions(c, { count: SESSIONS, expiredFraction: 0.5, seed: 1, now: NOW });
    // Vacuumed, as a table whose rides are six months old is in production (hint bits and the
    // visibility map set): neither side pays for the first read of freshly loaded rows.
    await c.query("VACUUM (ANALYZE)");
    await c.end();
    await su.query(`ALTER DATABASE ${db.name} RENAME TO ${name}`);
  }
  await su.end();
  return name;
}

/** A fresh copy of `from` for one run (not timed), dropped before the next. */
function copies(from: string) {
  let current: string | undefined;
  const su = () => connect(superuserUrl());
  return {
    async prepare(): Promise<void> {
      const c = await su();
      if (current) await c.query(`DROP DATABASE IF EXISTS ${current} WITH (FORCE)`);
      current = `${from}_run_${Math.floor(Math.random() * 1e9)}`;
      await c.query(`CREATE DATABASE ${current} TEMPLATE ${from}`);
      await c.end();
    },
    url: () => dbUrl(current!, "postgres"),
    async drop(): Promise<void> {
      const c = await su();
      if (current) await c.query(`DROP DATABASE IF EXISTS ${current} WITH (FORCE)`);
      await c.end();
    },
  };
}

interface OneShot {
  seconds: number;
  rows: number;
  statementMs: number[];
}

async function oneShot(url: string, statements: string[], params: unknown[][], countFrom: number): Promise<OneShot> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const t0 = performance.now();
  await client.query("BEGIN");
  let rows = 0;
  const statementMs: number[] = [];
  for (const [i, sql] of statements.entries()) {
    const t = performance.now();
    const n = (await client.query(sql, params[i] ?? [])).rowCount ?? 0;
    if (i >= countFrom) rows = Math.max(rows, n);
    statementMs.push(Math.round(performance.now() - t));
  }
  await client.query("COMMIT");
  const seconds = (performance.now() - t0) / 1000;
  await client.end();
  return { seconds, rows, statementMs };
}

/** The guide's statements: the same archive tables the task creates, then INSERT … SELECT + DELETE (payments first). */
function guideStatements(s: Scenario): { sql: string[]; params: unknown[][]; countFrom: number } {
  const sql = [
    "CREATE TABLE public.rides_archive (LIKE public.rides INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (id))",
    "CREATE INDEX rides_archive_created_at_idx ON public.rides_archive (created_at)",
  ];
  const params: unknown[][] = [[], []];
  if (s.withDependents) {
    sql.push(
      "CREATE TABLE public.ride_payments_archive (LIKE public.ride_payments INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)",
      "INSERT INTO public.ride_payments_archive SELECT p.* FROM public.ride_payments p JOIN public.rides r ON r.id = p.ride_id WHERE r.created_at < $1",
      "DELETE FROM public.ride_payments p USING public.rides r WHERE r.id = p.ride_id AND r.created_at < $1",
    );
    params.push([], [BEFORE], [BEFORE]);
  }
  const countFrom = sql.length;
  sql.push(
    "INSERT INTO public.rides_archive SELECT * FROM public.rides WHERE created_at < $1",
    "DELETE FROM public.rides WHERE created_at < $1",
  );
  params.push([BEFORE], [BEFORE]);
  return { sql, params, countFrom };
}

/** "setup 120 ms, pages 2,310 ms, …" from a task's details.phasesMs. */
const phasesOf = (details: unknown) =>
  Object.entries((details as { phasesMs?: Record<string, number> } | undefined)?.phasesMs ?? {})
    .map(([k, ms]) => `${k} ${fmt(ms)} ms`)
    .join(", ");
const fmt = (n: number) => Math.round(n).toLocaleString("en");
/** The run whose rate is the median one (the lower middle for an even count). */
const medianRun = <T>(runs: T[], rate: (r: T) => number) =>
  [...runs].sort((a, b) => rate(a) - rate(b))[(runs.length - 1) >> 1];

function report(
  label: string,
  unit: string,
  ours: TaskResult[],
  oursRate: (r: TaskResult) => number,
  guide: OneShot[],
  guideRate: (r: OneShot) => number,
  statements: (r: OneShot) => string,
): void {
  const a = samples(ours.map(oursRate));
  const b = samples(guide.map(guideRate));
  const longest = Math.max(...ours.map((r) => r.longestTransactionMs));
  console.log(label);
  console.log(`  batched:  ${describeSamples(a, `${unit}/s`, 0)}; longest transaction ${fmt(longest)} ms`);
  console.log(
    `  one-shot: ${describeSamples(b, `${unit}/s`, 0)}; its transaction ${fmt(Math.min(...guide.map((g) => g.seconds * 1000)))} ms or more`,
  );
  console.log(
    `  ratio of medians (batched / one-shot): ${(a.median / b.median).toFixed(2)} (target >= 0.8); longest batched transaction ${fmt(longest)} ms (target <= 1000 ms)`,
  );
  console.log(
    `  where the time went (median runs): batched ${phasesOf(medianRun(ours, oursRate).details)}; one-shot ${statements(medianRun(guide, guideRate))}`,
  );
}

async function main(): Promise<void> {
  const rounds = benchRounds();
  console.log(describeMachine("before"));
  console.log(`${fmt(RIDES)} rides (half to move), ${fmt(SESSIONS)} sessions, ${rounds} rounds per side, alternated`);
  await globalSetup();
  const made: string[] = [];
  try {
    const base = await template();
    made.push(base);
    for (const s of SCENARIOS) {
      const from = s.payments ? await template(s.payments, base) : base;
      if (from !== base) made.push(from);
      const copy = copies(from);
      const guide = guideStatements(s);
      const runs = await alternate(
        rounds,
        {
          name: "batched",
          run: () => archiveRides(copy.url(), { before: BEFORE, batchSize: 5_000, withDependents: s.withDependents }),
        },
        { name: "one-shot", run: () => oneShot(copy.url(), guide.sql, guide.params, guide.countFrom) },
        () => copy.prepare(),
        (line) => console.error(line),
      );
      await copy.drop();
      report(
        `rides, ${s.name}: ${fmt(runs.ours[0].counts.moved)} rides moved per run`,
        "rides",
        runs.ours,
        (r) => r.counts.moved / (r.durationMs / 1000),
        runs.baseline,
        (g) => g.rows / g.seconds,
        (g) =>
          g.statementMs.map((ms, i) => `${guide.sql[i].split(" ").slice(0, 3).join(" ")}… ${fmt(ms)} ms`).join(", "),
      );
    }
    const copy = copies(base);
    const sessionsRuns = await alternate(
      rounds,
      { name: "batched", run: () => cleanSessions(copy.url(), { batchSize: 2_000 }) },
      {
        name: "one-shot",
        run: () =>
          oneShot(copy.url(), ["DELETE FROM auth.sessions WHERE not_after < now() - interval '30 days'"], [[]], 0),
      },
      () => copy.prepare(),
      (line) => console.error(line),
    );
    await copy.drop();
    report(
      `sessions: ${fmt(sessionsRuns.ours[0].counts.sessions)} expired deleted per run (with their refresh tokens and MFA claims)`,
      "sessions",
      sessionsRuns.ours,
      (r) => r.counts.sessions / (r.durationMs / 1000),
      sessionsRuns.baseline,
      (g) => g.rows / g.seconds,
      (g) => `DELETE ${fmt(g.statementMs[0])} ms`,
    );
  } finally {
    const su = await connect(superuserUrl());
    for (const name of made.reverse()) await su.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await su.end();
    await globalTeardown();
    console.log(describeMachine("after"));
  }
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
