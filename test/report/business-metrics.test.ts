// The business metrics on the real PostgreSQL: yesterday's rides, sign-ups and drivers counted,
// each emitted as a metric; a column that is not there is a warn naming the config key.
import { runCheck } from "../../lambdas/checklist/engine";
import { businessMetricsCheck } from "../../lambdas/checks/business-metrics";
import { DEFAULT_INPUTS } from "../../lambdas/core/inputs";
import type { MetricsSink } from "../../lambdas/core/metrics";
import { useFreshDatabase } from "../support/db";

describe("business-metrics", () => {
  const db = useFreshDatabase();
  const now = new Date("2026-11-25T06:00:00Z");
  const emitted: { dims: Record<string, string>; metrics: Record<string, { value: number; unit: string }> }[] = [];
  const metrics: MetricsSink = { emit: (dims, m) => emitted.push({ dims, metrics: m }) };
  const ctx = (businessMetrics: Record<string, string> = {}) => ({
    inputs: { ...DEFAULT_INPUTS, checkLevels: {}, taskName: "t", databaseUrl: async () => db().url, businessMetrics },
    now,
    metrics,
  });

  beforeAll(async () => {
    const c = await db().client();
    await c.query(
      `INSERT INTO auth.users (id, email, created_at) SELECT gen_random_uuid(), 'u' || g || '@example.test', '2026-11-24T10:00:00Z' FROM generate_series(1, 4) g`,
    );
    await c.query(
      `INSERT INTO auth.users (id, email, created_at) VALUES (gen_random_uuid(), 'old@example.test', '2026-10-01T10:00:00Z')`,
    );
    await c.query(
      `INSERT INTO public.drivers (name, vehicle, license_plate, is_active) VALUES ('A', 'Classe E', 'AA-001-AA', true), ('B', 'Classe S', 'AA-002-AA', false)`,
    );
    const ride = (status: string, at: string, price: number) =>
      c.query(
        `INSERT INTO public.rides (status, pickup_address, pickup_lat, pickup_lng, dropoff_address, dropoff_lat, dropoff_lng, created_at, price_cents) VALUES ($1, 'a', 48.8, 2.3, 'b', 48.9, 2.4, $2, $3)`,
        [status, at, price],
      );
    await ride("completed", "2026-11-24T08:00:00Z", 2500);
    await ride("completed", "2026-11-24T21:00:00Z", 4000);
    await ride("cancelled", "2026-11-24T12:00:00Z", 0);
    await ride("completed", "2026-11-23T12:00:00Z", 9900); // the day before: not counted
    await ride("requested", "2026-11-25T05:00:00Z", 1200); // today: not counted
  });

  it("counts the previous UTC day and emits each figure, dimension App", async () => {
    emitted.length = 0;
    const result = await runCheck(businessMetricsCheck, ctx());
    expect(result.status).toBe("ok");
    expect(result.summary).toBe("2026-11-24 : 3 courses, 4 inscriptions");
    expect(emitted).toHaveLength(1);
    expect(emitted[0].dims).toEqual({ App: "elegance-mobilite" });
    const values = Object.fromEntries(Object.entries(emitted[0].metrics).map(([k, v]) => [k, v.value]));
    expect(values).toMatchObject({
      RidesCreated: 3,
      RidesCompleted: 2,
      RidesCancelled: 1,
      RevenueCents: 6500,
      ActiveDrivers: 1,
      SignUps: 4,
    });
    expect(values.DatabaseBytes).toBeGreaterThan(1_000_000);
    expect(emitted[0].metrics.DatabaseBytes.unit).toBe("Bytes");
  });

  it("warns, naming the config key, when a configured column does not exist", async () => {
    emitted.length = 0;
    const result = await runCheck(businessMetricsCheck, ctx({ ridePriceCents: "amount_cents" }));
    expect(result.status).toBe("warn");
    expect(result.summary).toContain("businessMetrics.ridePriceCents (public.rides.amount_cents introuvable)");
    // The other figures are still measured.
    expect(emitted[0].metrics.RidesCreated.value).toBe(3);
    expect(emitted[0].metrics.RevenueCents).toBeUndefined();
  });
});
