// The app side on Vercel under Pulumi mocks: the provider, the Edge Config and its maintenance
// flag (never overwritten), the middleware's variable, the log drain to the ingest URL; nothing
// of it without the `vercel` block; and the block's config messages.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import { parseDocument } from "yaml";
import { parseStackConfig, rawConfigFromStackFile } from "../../infra/config";
import { program } from "../../infra/program";
import {
  find,
  ofType,
  Plan,
  planProgram,
  planStack,
  problemsOf,
  PROD_STACK_FILE,
  prodRawConfig,
} from "../support/pulumi";

const TOKEN = "AbCdEfGhIjKlMnOpQrStUvWx";
const VERCEL = { teamId: "team_abc123", projectId: "prj_abc123", token: TOKEN, logDrain: { deliveryFormat: "json" } };
const withVercel = (block: Record<string, unknown>) => (raw: Record<string, string>) => {
  raw["elegance-ops:vercel"] = JSON.stringify(block);
};

const valueOf = <T>(o: pulumi.Input<T>) =>
  new Promise<T>((resolve) => pulumi.output(o).apply((v) => (resolve(v as T), v)));

/** Plans the stack and keeps every resource's options and inputs as given (what mocks don't see). */
async function planWithOptions(edit: (raw: Record<string, string>) => void) {
  const raw = prodRawConfig();
  edit(raw);
  const config = parseStackConfig(raw);
  const given = new Map<string, { opts: pulumi.CustomResourceOptions; props: Record<string, any> }>();
  const plan = await planProgram(() => {
    pulumi.runtime.registerStackTransformation(
      ({ name, opts, props }) => (given.set(name, { opts, props }), undefined),
    );
    return program(config);
  }, raw);
  return { plan, given };
}

describe("with a vercel block", () => {
  let plan: Plan;
  let given: Awaited<ReturnType<typeof planWithOptions>>["given"];
  beforeAll(async () => {
    ({ plan, given } = await planWithOptions(withVercel(VERCEL)));
  }, 120_000);

  it("uses one explicit provider, with the token as a secret and the configured team", () => {
    expect(find(plan, "pulumi:providers:vercel", "elegance-mobilite-vercel").inputs).toEqual({
      apiToken: "[secret]",
      team: "team_abc123",
    });
    for (const type of [
      "edgeConfig:EdgeConfig",
      "edgeConfigItem:EdgeConfigItem",
      "edgeConfigToken:EdgeConfigToken",
      "logDrain:LogDrain",
      "projectEnvironmentVariable:ProjectEnvironmentVariable",
    ]) {
      const [resource] = ofType(plan, `vercel:index/${type}`);
      expect(given.get(resource.name)!.opts.provider).toBeInstanceOf(pulumi.ProviderResource);
    }
    expect(JSON.stringify(plan.resources)).not.toContain(TOKEN);
  });

  it("creates the Edge Config named after the app, exported for the maintenance command", () => {
    expect(find(plan, "vercel:index/edgeConfig:EdgeConfig", "elegance-mobilite-edge-config").inputs).toEqual({
      name: "elegance-mobilite",
    });
    expect(plan.outputs.edgeConfigId).toMatch(/^ecfg_/);
  });

  it("sets `maintenance` to the JSON boolean false and never overwrites it afterwards", () => {
    const item = find(plan, "vercel:index/edgeConfigItem:EdgeConfigItem", "elegance-mobilite-maintenance-flag");
    expect(item.inputs).toEqual({ edgeConfigId: plan.outputs.edgeConfigId, key: "maintenance", valueJson: false });
    expect(given.get(item.name)!.opts.ignoreChanges).toEqual(["value", "valueJson"]);
  });

  it("gives the middleware a read token, as the project's sensitive EDGE_CONFIG connection string", async () => {
    expect(
      find(plan, "vercel:index/edgeConfigToken:EdgeConfigToken", "elegance-mobilite-edge-config-token").inputs,
    ).toEqual({
      edgeConfigId: plan.outputs.edgeConfigId,
      label: "elegance-mobilite-middleware",
    });
    const env = find(
      plan,
      "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
      "elegance-mobilite-edge-config-env",
    );
    expect(env.inputs).toMatchObject({
      projectId: "prj_abc123",
      key: "EDGE_CONFIG",
      sensitive: true,
      targets: ["production", "preview"],
      value: "[secret]",
    });
    const value = given.get(env.name)!.props.value;
    expect(await pulumi.isSecret(value)).toBe(true);
    expect(await valueOf(value)).toMatch(
      new RegExp(
        `^https://edge-config\\.vercel\\.com/${plan.outputs.edgeConfigId}\\?token=fake-edge-config-token-\\w+$`,
      ),
    );
  });

  it("creates the drain to the ingest function's URL, after it, with the configured format, sources, environments and project", async () => {
    const drain = find(plan, "vercel:index/logDrain:LogDrain", "elegance-mobilite-log-drain");
    const url = find(plan, "aws:lambda/functionUrl:FunctionUrl", "elegance-mobilite-log-ingest-url");
    expect(url.inputs).toMatchObject({ authorizationType: "NONE", invokeMode: "BUFFERED" });
    expect(drain.inputs).toEqual({
      name: "elegance-mobilite-logs",
      deliveryFormat: "json",
      sources: ["lambda", "edge", "static", "build", "external", "firewall"],
      environments: ["production"],
      projectIds: ["prj_abc123"],
      secret: "[secret]",
      endpoint: plan.outputs.logIngestUrl,
    });
    expect(plan.outputs.logIngestUrl).toMatch(/^https:\/\/\w+\.lambda-url\.eu-west-3\.on\.aws\/$/);
    // Vercel calls the endpoint when the drain is created: the function and the secret come first.
    const deps = given.get(drain.name)!.opts.dependsOn as pulumi.Resource[];
    const urns = await valueOf(pulumi.all(deps.map((d) => d.urn)));
    expect(urns.map((u) => u.split("::").pop()).sort()).toEqual(["elegance-mobilite-messaging-value", "log-ingest"]);
  });

  it("signs with a generated secret, a Pulumi secret kept in Secrets Manager under the stack's key for the function", async () => {
    expect(
      find(plan, "random:index/randomPassword:RandomPassword", "elegance-mobilite-log-drain-secret").inputs,
    ).toEqual({ length: 48, special: false });
    // Kept under its key in the stack's messaging secret.
    const secret = find(plan, "aws:secretsmanager/secret:Secret", "elegance-mobilite-messaging").inputs;
    expect(secret).toMatchObject({ name: "elegance-mobilite/messaging", kmsKeyId: plan.outputs.kmsKeyArn });
    expect(secret.description).toContain("logDrainSecret");
    expect(
      find(plan, "aws:secretsmanager/secretVersion:SecretVersion", "elegance-mobilite-messaging-value").inputs
        .secretString,
    ).toBe("[secret]");
    expect(await pulumi.isSecret(given.get("elegance-mobilite-log-drain")!.props.secret)).toBe(true);
    const env = find(plan, "aws:lambda/function:Function", "elegance-mobilite-log-ingest").inputs.environment.variables;
    expect(env.LOG_DRAIN_SECRET_ARN).toBe(
      "arn:aws:secretsmanager:eu-west-3:123456789012:secret:elegance-mobilite/messaging#logDrainSecret",
    );
    expect(env.VERCEL_VERIFY_CODE).toBe("fake-vercel-verification-code");
  });
});

describe("config of the vercel block", () => {
  it("looks a project given by name up, and takes the Edge Config's name, targets and drain settings from config", async () => {
    const plan = await planStack(
      withVercel({
        teamId: "elegance-mobilite",
        projectId: "elegance-mobilite-web",
        token: TOKEN,
        logDrain: { sources: ["lambda", "edge"], environments: ["production", "preview"] },
        edgeConfig: { name: "em-flags" },
        envVarTargets: ["production"],
      }),
    );
    const drain = find(plan, "vercel:index/logDrain:LogDrain", "elegance-mobilite-log-drain").inputs;
    expect(drain).toMatchObject({
      deliveryFormat: "ndjson",
      sources: ["lambda", "edge"],
      environments: ["production", "preview"],
      projectIds: [expect.stringMatching(/^prj_/)],
    });
    const env = find(
      plan,
      "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
      "elegance-mobilite-edge-config-env",
    ).inputs;
    expect(env).toMatchObject({ projectId: drain.projectIds[0], targets: ["production"] });
    expect(find(plan, "vercel:index/edgeConfig:EdgeConfig", "elegance-mobilite-edge-config").inputs.name).toBe(
      "em-flags",
    );
  }, 120_000);

  it("fills defaults and keeps the token a Pulumi secret", async () => {
    const raw = prodRawConfig();
    withVercel({ teamId: "team_abc123", projectId: "prj_abc123", token: TOKEN })(raw);
    const settings = parseStackConfig(raw).vercel!;
    expect(settings.logDrain).toEqual({
      enabled: true,
      deliveryFormat: "ndjson",
      sources: ["lambda", "edge", "static", "build", "external", "firewall"],
      environments: ["production"],
      maxBodyBytes: 6_000_000,
    });
    expect(settings.logThresholds).toEqual({
      errorLinesWarn: 50,
      errorLinesFail: 500,
      http5xxWarn: 10,
      http5xxFail: 100,
      topMessages: 10,
    });
    expect(settings.envVarTargets).toEqual(["production", "preview"]);
    expect(await pulumi.isSecret(settings.token)).toBe(true);
    expect(await valueOf(settings.token)).toBe(TOKEN);
  });

  const V = "elegance-ops:vercel";
  const problems = (block: Record<string, unknown>) => {
    const raw = prodRawConfig();
    withVercel(block)(raw);
    return problemsOf(raw);
  };

  it.each([
    [
      "no token",
      { teamId: "team_abc123", projectId: "prj_abc123" },
      [
        `${V}.token is missing: set it with  pulumi config set --secret --path 'vercel.token' 'AbCdEfGhIjKlMnOpQrStUvWx'`,
      ],
    ],
    [
      "a token that is too short",
      { ...VERCEL, token: "short" },
      [
        `${V}.token: the secret value is not valid; expected a Vercel access token scoped to the team (Account Settings › Tokens)`,
      ],
    ],
    [
      "an unknown format",
      { ...VERCEL, logDrain: { deliveryFormat: "syslog" } },
      [`${V}.logDrain.deliveryFormat: "syslog" is not allowed; expected json or ndjson`],
    ],
    [
      "an unknown source",
      { ...VERCEL, logDrain: { sources: ["lambda", "functions"] } },
      [
        `${V}.logDrain.sources[1]: "functions" is not allowed; expected one of static, edge, external, build, lambda, firewall, redirect (the logs Vercel forwards)`,
      ],
    ],
    [
      "no environment",
      { ...VERCEL, logDrain: { environments: [] } },
      [
        `${V}.logDrain.environments: the value is empty; expected a non-empty list among production, preview, e.g. [production]`,
      ],
    ],
    [
      "a body limit above a Function URL's",
      { ...VERCEL, logDrain: { maxBodyBytes: 10_000_000 } },
      [
        `${V}.logDrain.maxBodyBytes: 10000000 is too large; expected an integer number of bytes between 65536 and 6000000 (a Function URL's limit)`,
      ],
    ],
    [
      "the variable in development",
      { ...VERCEL, envVarTargets: ["production", "development"] },
      [
        `${V}.envVarTargets[1]: "development" is not allowed; expected one of production, preview (sensitive variables cannot target development)`,
      ],
    ],
    [
      "fail below warn",
      { ...VERCEL, logThresholds: { http5xxWarn: 20, http5xxFail: 5 } },
      [`${V}.logThresholds.http5xxFail: 5 is below http5xxWarn (20); expected http5xxFail >= http5xxWarn`],
    ],
    [
      "a team that is neither id nor slug",
      { ...VERCEL, teamId: "Élégance Team" },
      [
        `${V}.teamId: "Élégance Team" is not valid; expected the Vercel team's id (team_…) or slug, e.g. elegance-mobilite`,
      ],
    ],
    [
      "an unknown key",
      { ...VERCEL, drain: {} },
      [
        `${V}.drain: unknown key; known keys are teamId, projectId, token, logDrain, logThresholds, edgeConfig, envVarTargets`,
      ],
    ],
  ])("%s: one message naming the key", (_, block, expected) => {
    expect(problems(block)).toEqual(expected);
  });
});

describe("the prod stack file as written", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack();
  }, 120_000);

  it("has the app on Vercel: the Edge Config, its flag and variable, the drain to the ingest URL", () => {
    expect(ofType(plan, "vercel:index/logDrain:LogDrain")).toHaveLength(1);
    expect(ofType(plan, "vercel:index/edgeConfig:EdgeConfig")).toHaveLength(1);
    expect(find(plan, "aws:lambda/function:Function", "elegance-mobilite-log-ingest").inputs).toBeDefined();
    expect(plan.outputs).toHaveProperty("logIngestUrl");
    expect(
      find(plan, "aws:lambda/function:Function", "elegance-mobilite-daily-checklist").inputs.environment.variables
        .LOG_DRAIN_ENABLED,
    ).toBe("true");
  });

  it("asks for vercel.token like database.url: a placeholder in synth, a command to run without it", () => {
    expect(readFileSync(PROD_STACK_FILE, "utf8")).toMatch(/^#\s+pulumi config set --secret --path 'vercel\.token'/m);
    expect(problemsOf(rawConfigFromStackFile(readFileSync(PROD_STACK_FILE, "utf8"), false))).toContain(
      "elegance-ops:vercel.token is missing: set it with  pulumi config set --secret --path 'vercel.token' 'AbCdEfGhIjKlMnOpQrStUvWx'",
    );
  });
});

describe("logDrain.enabled: false (a Hobby team)", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack(withVercel({ ...VERCEL, logDrain: { enabled: false } }));
  }, 120_000);

  it("keeps the Edge Config and the maintenance flag, without drain, ingest function or drain secret", () => {
    expect(ofType(plan, "vercel:index/edgeConfig:EdgeConfig")).toHaveLength(1);
    expect(ofType(plan, "vercel:index/edgeConfigItem:EdgeConfigItem")).toHaveLength(1);
    expect(ofType(plan, "vercel:index/logDrain:LogDrain")).toEqual([]);
    expect(plan.resources.filter((r) => /log-ingest|log-drain/.test(r.name))).toEqual([]);
    expect(plan.outputs).not.toHaveProperty("logIngestUrl");
    expect(plan.outputs).toHaveProperty("edgeConfigId");
    const env = find(plan, "aws:lambda/function:Function", "elegance-mobilite-daily-checklist").inputs.environment
      .variables;
    expect(env).not.toHaveProperty("LOG_DRAIN_ENABLED");
  });
});

describe("a prod stack file without the vercel block", () => {
  let plan: Plan;
  beforeAll(async () => {
    // The stack file itself, block removed: its token must not be asked for nor filled in.
    const file = parseDocument(readFileSync(PROD_STACK_FILE, "utf8"));
    file.deleteIn(["config", "elegance-ops:vercel"]);
    const raw = rawConfigFromStackFile(file.toString(), true);
    expect(raw).not.toHaveProperty("elegance-ops:vercel");
    const config = parseStackConfig(raw);
    plan = await planProgram(() => program(config), raw);
  }, 120_000);

  it("still synthesises, creating nothing of Vercel, no ingest function, no drain secret, and exporting no URL", () => {
    expect(plan.resources.length).toBeGreaterThan(100);
    expect(plan.resources.filter((r) => /vercel/i.test(r.type))).toEqual([]);
    expect(plan.resources.filter((r) => /log-ingest|log-drain|edge-config/.test(r.name))).toEqual([]);
    expect(ofType(plan, "aws:lambda/functionUrl:FunctionUrl")).toEqual([]);
    expect(plan.outputs).not.toHaveProperty("logIngestUrl");
    expect(plan.outputs).not.toHaveProperty("edgeConfigId");
  });

  it("tells the daily list there is no drain to read", () => {
    const env = find(plan, "aws:lambda/function:Function", "elegance-mobilite-daily-checklist").inputs.environment
      .variables;
    expect(env).not.toHaveProperty("LOG_DRAIN_ENABLED");
    expect(env).not.toHaveProperty("LOG_THRESHOLDS");
  });
});
