// `npm run ops -- rollback` as an operator types it, against a fake of Vercel's API on loopback
// and a loopback app answering /api/health.
import { startHttpServer, TestServer } from "../support/http";
import { FakeDeployment, FakeVercel, startVercelApi } from "../support/vercel-api";
import { ops } from "./support";

const TOKEN = "vcp_rollback-token-5d8e21";
const TEAM = "team_elegance";
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 4, 1, 8, 0);

const deployment = (n: number, sha: string, extra: Partial<FakeDeployment> = {}): FakeDeployment => ({
  uid: `dpl_${n}`,
  url: `elegance-mobilite-${n}.vercel.app`,
  created: T0 + n * HOUR,
  readyState: "READY",
  target: "production",
  meta: { githubCommitSha: sha, githubCommitRef: "main" },
  ...extra,
});

const SHA1 = "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SHA2 = "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const SHA3 = "3333333ccccccccccccccccccccccccccccccccc";

describe("ops rollback", () => {
  let api: FakeVercel;
  let app: TestServer;
  let healthy = true;
  beforeAll(async () => {
    api = await startVercelApi({
      token: TOKEN,
      teamId: TEAM,
      projectId: "prj_elegance",
      projectName: "elegance-mobilite",
    });
    app = await startHttpServer((_req, res) =>
      res.writeHead(healthy ? 200 : 503).end(healthy ? '{"status":"ok"}' : '{"status":"down","db":"timeout"}'),
    );
  });
  afterAll(async () => {
    await api?.close();
    await app?.close();
  });
  beforeEach(() => {
    api.reset();
    app.requests.length = 0;
    healthy = true;
    // dpl_3 serves production; dpl_4 failed to build, dpl_5 is a preview: neither is a rollback target.
    api.deployments = [
      deployment(0, "0000000ddddddddddddddddddddddddddddddddd"),
      deployment(1, SHA1, { meta: { githubCommitSha: SHA1, githubCommitRef: "v1.4.0" } }),
      deployment(2, SHA2),
      deployment(3, SHA3),
      deployment(4, "4444444eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", { readyState: "ERROR" }),
      deployment(5, "5555555fffffffffffffffffffffffffffffffff", { target: null }),
    ];
    api.project.production = "dpl_3";
    api.project.lastAliasRequest = undefined;
  });

  const env = (): NodeJS.ProcessEnv => ({
    VERCEL_TOKEN: TOKEN,
    VERCEL_TEAM_ID: TEAM,
    VERCEL_PROJECT_ID: "elegance-mobilite",
    VERCEL_API_URL: api.url,
    APP_URL: app.url,
  });
  const rollback = (...args: string[]) => ops(["rollback", "--poll-interval-ms", "50", ...args], env());
  const promotes = () => api.log.filter((r) => r.method === "POST").map((r) => r.path);
  const opsLines = (stderr: string) =>
    stderr
      .split("\n")
      .filter((line) => line.startsWith("ops:"))
      .join("\n");

  it("promotes the production deployment before the current one, waits until it serves, checks /api/health", async () => {
    const { code, stdout, stderr } = await rollback();
    expect(opsLines(stderr)).toBe("");
    expect(code).toBe(0);
    expect(promotes()).toEqual(["/v10/projects/prj_elegance/promote/dpl_2"]);
    expect(api.project.production).toBe("dpl_2");
    // It waited: the project was read again after the promote until production was dpl_2.
    const promotedAt = api.log.findIndex((r) => r.method === "POST");
    expect(
      api.log.slice(promotedAt + 1).filter((r) => r.path === "/v9/projects/prj_elegance").length,
    ).toBeGreaterThanOrEqual(2);
    expect(app.requests.map((r) => r.url)).toEqual(["/api/health"]);
    expect(stdout).toContain(
      "production now: dpl_3 (elegance-mobilite-3.vercel.app, 3333333 main, 2025-05-01 11:00 UTC)",
    );
    expect(stdout).toContain("promoted: dpl_2 (elegance-mobilite-2.vercel.app, 2222222 main, 2025-05-01 10:00 UTC)");
    expect(stdout).toContain(`health: ${app.url}/api/health answered HTTP 200 "{\\"status\\":\\"ok\\"}"`);
    expect(stdout).toContain("rollback: elegance-mobilite serves dpl_2 and is healthy");
    expect(stdout + stderr).not.toContain(TOKEN);
    // Every call on behalf of the team.
    expect(api.log.every((r) => r.query.get("teamId") === TEAM)).toBe(true);

    // Run again: "previous" is relative to what serves now, so it goes one further back.
    const again = await rollback();
    expect(again.code).toBe(0);
    expect(api.project.production).toBe("dpl_1");
  });

  it("--to a deployment id, a git sha prefix, or the git ref it was built from", async () => {
    expect((await rollback("--to", "dpl_0")).code).toBe(0);
    expect(api.project.production).toBe("dpl_0");
    expect((await rollback("--to", SHA2.slice(0, 7))).code).toBe(0);
    expect(api.project.production).toBe("dpl_2");
    expect((await rollback("--to", "v1.4.0")).code).toBe(0);
    expect(api.project.production).toBe("dpl_1");
    expect(promotes()).toEqual([
      "/v10/projects/prj_elegance/promote/dpl_0",
      "/v10/projects/prj_elegance/promote/dpl_2",
      "/v10/projects/prj_elegance/promote/dpl_1",
    ]);
  });

  it("--to a deployment older than the recent ones is looked up; a preview or unknown one is refused", async () => {
    const old = await rollback("--to", "dpl_0", "--limit", "2");
    expect(old.code).toBe(0);
    expect(api.log.some((r) => r.path === "/v13/deployments/dpl_0")).toBe(true);
    expect(api.project.production).toBe("dpl_0");

    const preview = await rollback("--to", "dpl_5");
    expect(preview.code).toBe(1);
    expect(opsLines(preview.stderr)).toContain("is not a READY production deployment (target preview, state READY)");
    const unknown = await rollback("--to", "deadbeef");
    expect(unknown.code).toBe(1);
    expect(opsLines(unknown.stderr)).toContain(
      "ops: no READY production deployment of elegance-mobilite matches --to deadbeef",
    );
    expect(promotes()).toEqual(["/v10/projects/prj_elegance/promote/dpl_0"]);
  });

  it("--dry-run names the deployment and changes nothing", async () => {
    const { code, stdout } = await rollback("--dry-run");
    expect(code).toBe(0);
    expect(stdout).toContain(
      "would promote: dpl_2 (elegance-mobilite-2.vercel.app, 2222222 main, 2025-05-01 10:00 UTC)",
    );
    expect(stdout).toMatch(/→ dpl_2 .*\n.*dpl_1/);
    expect(stdout).toContain("* dpl_3");
    expect(stdout).toContain("rollback (dry run): nothing changed");
    expect(promotes()).toEqual([]);
    expect(api.project.production).toBe("dpl_3");
    expect(api.project.lastAliasRequest).toBeUndefined();
    expect(app.requests).toHaveLength(0);
  });

  it("no previous production deployment: a clear message, exit 1, nothing promoted", async () => {
    api.deployments = api.deployments.filter((d) => d.uid !== "dpl_0" && d.uid !== "dpl_1" && d.uid !== "dpl_2");
    const { code, stderr } = await rollback();
    expect(code).toBe(1);
    expect(opsLines(stderr)).toBe(
      "ops: no previous production deployment of elegance-mobilite to roll back to: 1 READY production deployment(s) in the last 20, the current one is dpl_3 (elegance-mobilite-3.vercel.app, 3333333 main, 2025-05-01 11:00 UTC)",
    );
    expect(promotes()).toEqual([]);
  });

  it("a persistent API error: retried (bounded), then a clear message and exit 1, nothing promoted", async () => {
    api.fail({ method: "GET", path: /^\/v6\/deployments$/ }, 500, {
      retryAfter: "0",
      message: "An unexpected internal error occurred",
    });
    const { code, stderr } = await rollback();
    expect(code).toBe(1);
    expect(opsLines(stderr)).toBe(
      "ops: Vercel API GET /v6/deployments: HTTP 500 internal_server_error: An unexpected internal error occurred (after 4 attempts)",
    );
    expect(api.log.filter((r) => r.path === "/v6/deployments")).toHaveLength(4);
    expect(promotes()).toEqual([]);
    expect(api.project.production).toBe("dpl_3");
  });

  it("the promoted deployment fails its health check: names it and the health answer, exit 1", async () => {
    healthy = false;
    const { code, stderr } = await rollback();
    expect(code).toBe(1);
    expect(opsLines(stderr)).toBe(
      `ops: elegance-mobilite now serves dpl_2 (elegance-mobilite-2.vercel.app, 2222222 main, 2025-05-01 10:00 UTC), but its health check failed 3 time(s): ` +
        `${app.url}/api/health answered HTTP 503 "{\\"status\\":\\"down\\",\\"db\\":\\"timeout\\"}"`,
    );
    expect(api.project.production).toBe("dpl_2");
    expect(app.requests).toHaveLength(3);
  });

  it("a wrong token: the 401 named with what to check, exit 1, nothing promoted", async () => {
    const wrong = await ops(["rollback", "--vercel-token", "vcp_nope"], env());
    expect(wrong.code).toBe(1);
    expect(opsLines(wrong.stderr)).toContain(
      "ops: Vercel API GET /v9/projects/elegance-mobilite: HTTP 401 forbidden: Not authorized — check the token",
    );
    expect(wrong.stderr + wrong.stdout).not.toContain("vcp_nope");
    expect(promotes()).toEqual([]);
  });
});
