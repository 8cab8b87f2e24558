// Benchmark: the test bed's set-based ride generator (one INSERT … SELECT over
// generate_series) against the baseline it replaces, one parameterised INSERT per row in a
// single transaction, on the same server in the same run, alternately (bench/measure.ts), each on
// a freshly seeded database. Prints each side's rows/s (median and spread) and the ratio of medians.
//   npm run bench -- generate            (BENCH_ROWS=1000000 for the full-size run)
import { Client } from "pg";
import { freshDatabase, TestDatabase } from "../test/support/db";
import { generateDrivers, generateRides, generateUsers } from "../test/support/generate";
import globalSetup from "../test/support/global-setup";
import globalTeardown from "../test/support/global-teardown";
import { alternate, benchRounds, describeMachine, describeSamples, samples } from "./measure";

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
// Row by row is ~50x slower: a tenth of the rows gives a stable rate in reasonable time.
const BASELINE_ROWS = Math.max(1_000, Math.round(ROWS / 10));

async function seeded(): Promise<{ db: TestDatabase; client: Client }> {
  const db = await freshDatabase();
  const client = await db.client("supabase_admin");
  await generateUsers(client, { count: 5_000, seed: 1 });
  await generateDrivers(client, { count: 300, seed: 1 });
  return { db, client };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function rowByRow(client: Client, count: number): Promise<void> {
  const users = (await client.query("SELECT id FROM auth.users LIMIT 5000")).rows.map((r) => r.id);
  const drivers = (await client.query("SELECT id FROM public.drivers")).rows.map((r) => r.id);
  await client.query("BEGIN");
  for (let i = 0; i < count; i++) {
    const km = 2 + (i % 45);
    await client.query({
      name: "insert-ride",
      text: `INSERT INTO public.rides (user_id, driver_id, status, pickup_address, pickup_lat, pickup_lng,
               dropoff_address, dropoff_lat, dropoff_lng, created_at, distance_km, price_cents, payment_status)
             VALUES ($1, $2, 'completed', $3, 48.8566, 2.3522, 'Gare de Lyon, Paris', 48.8443, 2.3744,
               now() - make_interval(days => $4), $5, $6, 'paid')`,
      values: [
        users[i % users.length],
        drivers[i % drivers.length],
        `${i % 200} rue de Rivoli, 75001 Paris`,
        i % 730,
        km,
        2000 + km * 210,
      ],
    });
  }
  await client.query("COMMIT");
}

const rate = (rows: number, seconds: number) => Math.round(rows / seconds);

/** One timed run on a freshly seeded database (seeding not timed), dropped afterwards. */
async function onFreshDatabase(rows: number, fill: (client: Client) => Promise<unknown>): Promise<number> {
  const { db, client } = await seeded();
  try {
    return rate(rows, await timed(() => fill(client)));
  } finally {
    await db.drop();
  }
}

async function main(): Promise<void> {
  console.log(describeMachine("before"));
  await globalSetup();
  try {
    const runs = await alternate(
      benchRounds(),
      {
        name: "set-based generateRides",
        run: () => onFreshDatabase(ROWS, (c) => generateRides(c, { count: ROWS, seed: 1 })),
      },
      { name: "row-by-row INSERT", run: () => onFreshDatabase(BASELINE_ROWS, (c) => rowByRow(c, BASELINE_ROWS)) },
    );
    const [set, row] = [samples(runs.ours), samples(runs.baseline)];
    console.log(`set-based generateRides (${ROWS} rows):    ${describeSamples(set, "rows/s", 0)}`);
    console.log(`baseline row-by-row INSERT (${BASELINE_ROWS} rows): ${describeSamples(row, "rows/s", 0)}`);
    console.log(`ratio of medians (set-based / row-by-row rows per second): ${(set.median / row.median).toFixed(1)}x`);
  } finally {
    await globalTeardown();
    console.log(describeMachine("after"));
  }
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
