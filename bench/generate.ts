// Benchmark: the test bed's set-based ride generator (one INSERT … SELECT over
// generate_series) against the baseline it replaces, one parameterised INSERT per row in a
// single transaction, on the same server in the same run. Prints rows/s of each and the ratio.
//   npm run bench -- generate            (BENCH_ROWS=1000000 for the full-size run)
import { Client } from "pg";
import { freshDatabase, TestDatabase } from "../test/support/db";
import { generateDrivers, generateRides, generateUsers } from "../test/support/generate";
import globalSetup from "../test/support/global-setup";
import globalTeardown from "../test/support/global-teardown";

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
      values: [users[i % users.length], drivers[i % drivers.length], `${i % 200} rue de Rivoli, 75001 Paris`, i % 730, km, 2000 + km * 210],
    });
  }
  await client.query("COMMIT");
}

const rate = (rows: number, seconds: number) => `${Math.round(rows / seconds).toLocaleString("en")} rows/s`;

async function main(): Promise<void> {
  await globalSetup();
  try {
    const setBased = await seeded();
    const tSet = await timed(() => generateRides(setBased.client, { count: ROWS, seed: 1 }));
    await setBased.db.drop();

    const baseline = await seeded();
    const tRow = await timed(() => rowByRow(baseline.client, BASELINE_ROWS));
    await baseline.db.drop();

    console.log(`set-based generateRides:    ${ROWS} rows in ${tSet.toFixed(2)} s = ${rate(ROWS, tSet)}`);
    console.log(`baseline row-by-row INSERT: ${BASELINE_ROWS} rows in ${tRow.toFixed(2)} s = ${rate(BASELINE_ROWS, tRow)}`);
    console.log(`ratio (set-based / row-by-row rows per second): ${(ROWS / tSet / (BASELINE_ROWS / tRow)).toFixed(1)}x`);
  } finally {
    await globalTeardown();
  }
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
