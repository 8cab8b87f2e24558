// `npm run ops -- maintenance on|off|status` as an operator types it, against a fake of Vercel's
// API on loopback and the S3-protocol server (the change records under security/).
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { startS3, TestS3 } from "../support/s3";
import { FakeVercel, startVercelApi } from "../support/vercel-api";
import { ops } from "./support";

const TOKEN = "vcp_test-token-7f3a9c2e1b";
const TEAM = "team_elegance";
const EDGE_CONFIG = "ecfg_maintenance1";

describe("ops maintenance", () => {
  let api: FakeVercel;
  let s3: TestS3;
  beforeAll(async () => {
    api = await startVercelApi({ token: TOKEN, teamId: TEAM });
    s3 = await startS3();
    await s3.createBucket("logs");
  });
  afterAll(async () => {
    await api?.close();
    await s3?.stop();
  });
  beforeEach(() => {
    api.reset();
    api.edgeConfigs.set(EDGE_CONFIG, new Map<string, unknown>([["maintenance", false]]));
  });

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    ...s3.env,
    VERCEL_TOKEN: TOKEN,
    VERCEL_TEAM_ID: TEAM,
    VERCEL_EDGE_CONFIG_ID: EDGE_CONFIG,
    VERCEL_API_URL: api.url,
    LOGS_BUCKET: "logs",
    ...extra,
  });
  const flag = () => api.edgeConfigs.get(EDGE_CONFIG)!.get("maintenance");
  const patches = () => api.log.filter((r) => r.method === "PATCH");
  async function records(): Promise<{ key: string; body: Record<string, unknown> }[]> {
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: "logs", Prefix: "security/maintenance/" }));
    return Promise.all(
      (listed.Contents ?? []).map(async ({ Key }) => {
        const object = await s3.client.send(new GetObjectCommand({ Bucket: "logs", Key }));
        return { key: Key!, body: JSON.parse(await object.Body!.transformToString()) };
      }),
    );
  }
  // The CLI's own lines on stderr (Node and npm may add warnings of theirs).
  const clean = (text: string) =>
    text
      .split("\n")
      .filter((line) => line.startsWith("ops:"))
      .join("\n");

  it("on: flips the item to true, says previous → new, records who, when, why under security/", async () => {
    const before = (await records()).length;
    const began = Date.now();
    const { code, stdout, stderr } = await ops(
      ["maintenance", "on", "--reason", "Supabase down, incident #42", "--by", "alice@elegance-mobilite.fr"],
      env(),
    );
    expect(clean(stderr)).toBe("");
    expect(code).toBe(0);
    expect(flag()).toBe(true);
    expect(stdout).toContain(
      `maintenance: off → on (edge config ${EDGE_CONFIG}, by alice@elegance-mobilite.fr, reason "Supabase down, incident #42")`,
    );
    // Vercel's batch update, on behalf of the team, with the token in the header only.
    expect(JSON.parse(patches()[0].body)).toEqual({
      items: [{ operation: "upsert", key: "maintenance", value: true }],
    });
    expect(patches()[0].query.get("teamId")).toBe(TEAM);
    expect(stdout + stderr).not.toContain(TOKEN);

    const all = await records();
    expect(all).toHaveLength(before + 1);
    const { key, body } = all.find((r) => stdout.includes(r.key))!;
    const at = new Date(body.at as string);
    expect(at.getTime()).toBeGreaterThanOrEqual(began - 1000);
    expect(at.getTime()).toBeLessThanOrEqual(Date.now());
    const day = at.toISOString().slice(0, 10).replace(/-/g, "/");
    expect(key).toMatch(
      new RegExp(`^security/maintenance/${day}/\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}Z-on\\.json$`),
    );
    expect(body).toMatchObject({
      action: "on",
      edgeConfigId: EDGE_CONFIG,
      by: "alice@elegance-mobilite.fr",
      reason: "Supabase down, incident #42",
      previous: false,
      value: true,
    });

    const status = await ops(["maintenance", "status"], env());
    expect(status.code).toBe(0);
    expect(status.stdout).toBe(`maintenance: on (edge config ${EDGE_CONFIG})\n`);
    const json = await ops(["maintenance", "status", "--json"], env());
    expect(JSON.parse(json.stdout)).toMatchObject({ edgeConfigId: EDGE_CONFIG, value: true, maintenance: true });
  });

  it("on without --reason is a usage error (exit 2): nothing read, changed or recorded", async () => {
    const before = (await records()).length;
    for (const args of [
      ["maintenance", "on"],
      ["maintenance", "on", "--reason", "   "],
    ]) {
      const { code, stderr } = await ops(args, env());
      expect(code).toBe(2);
      expect(stderr).toContain('maintenance on needs --reason "…"');
    }
    expect(api.log).toHaveLength(0);
    expect(flag()).toBe(false);
    expect(await records()).toHaveLength(before);
  });

  it("off: back to false and recorded (who defaults to git's user or the OS user); a second off changes nothing", async () => {
    api.edgeConfigs.get(EDGE_CONFIG)!.set("maintenance", true);
    const before = (await records()).length;
    const { code, stdout } = await ops(["maintenance", "off"], env());
    expect(code).toBe(0);
    expect(flag()).toBe(false);
    expect(stdout).toMatch(/^maintenance: on → off \(edge config ecfg_maintenance1, by \S+\)\n/);
    const record = (await records()).find((r) => stdout.includes(r.key))!;
    expect(record.key).toMatch(/-off\.json$/);
    expect(record.body).toMatchObject({ action: "off", previous: true, value: false });
    expect(record.body.by).toEqual(expect.stringMatching(/\S/));
    expect(record.body).not.toHaveProperty("reason");

    const again = await ops(["maintenance", "off"], env());
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      `maintenance: already off (edge config ${EDGE_CONFIG}); nothing changed, nothing recorded\n`,
    );
    expect(patches()).toHaveLength(1);
    expect(await records()).toHaveLength(before + 1);
  });

  it("status without the item says the app serves normally; on creates it (previous: absent)", async () => {
    api.edgeConfigs.set(EDGE_CONFIG, new Map());
    const status = await ops(["maintenance", "status"], env());
    expect(status.stdout).toBe(
      `maintenance: off (no item "maintenance": the app serves normally) (edge config ${EDGE_CONFIG})\n`,
    );
    const on = await ops(["maintenance", "on", "--reason", "migration", "--by", "bob"], env());
    expect(on.code).toBe(0);
    expect(on.stdout).toContain("maintenance: absent → on");
    expect((await records()).find((r) => on.stdout.includes(r.key))!.body).toMatchObject({
      previous: null,
      value: true,
    });
  });

  it("a wrong token: the 401 named with what to check, exit 1, nothing changed or recorded, no token printed", async () => {
    const before = (await records()).length;
    const wrong = "vcp_wrong-token-0000";
    const { code, stdout, stderr } = await ops(
      ["maintenance", "on", "--reason", "test", "--vercel-token", wrong],
      env(),
    );
    expect(code).toBe(1);
    expect(clean(stderr)).toBe(
      `ops: Vercel API GET /v1/edge-config/${EDGE_CONFIG}/item/maintenance: HTTP 401 forbidden: Not authorized — check the token (--vercel-token / VERCEL_TOKEN) and the team (--team-id / VERCEL_TEAM_ID)`,
    );
    expect(stdout + stderr).not.toContain(wrong);
    expect(stdout + stderr).not.toContain(TOKEN);
    expect(patches()).toHaveLength(0);
    expect(flag()).toBe(false);
    expect(await records()).toHaveLength(before);
  });

  it("a 429 is retried after its Retry-After; an unknown Edge Config is a clear 404", async () => {
    api.fail({ method: "PATCH", path: /\/items$/ }, 429, { times: 1, retryAfter: "1", message: "Rate limit exceeded" });
    const { code } = await ops(["maintenance", "on", "--reason", "load test", "--by", "carol"], env());
    expect(code).toBe(0);
    expect(flag()).toBe(true);
    const [first, second] = patches();
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);

    const unknown = await ops(["maintenance", "status", "--edge-config-id", "ecfg_nope"], env());
    expect(unknown.code).toBe(1);
    expect(clean(unknown.stderr)).toBe(
      "ops: Vercel API GET /v1/edge-config/ecfg_nope: HTTP 404 not_found: The Edge Config was not found.",
    );
  });

  it("names the flag and the variable of a missing input, exit 2", async () => {
    const { code, stderr } = await ops(["maintenance", "status"], env({ VERCEL_EDGE_CONFIG_ID: "" }));
    expect(code).toBe(2);
    expect(clean(stderr)).toBe(
      "ops: missing --edge-config-id (or the VERCEL_EDGE_CONFIG_ID environment variable): id (ecfg_…) of the Edge Config holding the `maintenance` item (a stack output)",
    );
    const noToken = await ops(["maintenance", "off"], env({ VERCEL_TOKEN: "" }));
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("missing --vercel-token (or the VERCEL_TOKEN environment variable)");
  });
});
