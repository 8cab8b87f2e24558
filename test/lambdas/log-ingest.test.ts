// The Vercel log drain ingest against the real S3-protocol server: what is stored where, byte
// for byte; what is refused, with nothing stored; concurrency, retries, metrics; and the
// Function URL handler end to end (Secrets Manager, control plane, mocked).
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { createHmac } from "node:crypto";
import { handler } from "../../lambdas/handlers/log-ingest";
import { emfMetrics } from "../../lambdas/core/emf";
import { classify, durationMs, parseDelivery } from "../../lambdas/logs/drain";
import { ingestDelivery, IngestDeps } from "../../lambdas/logs/ingest";
import { readLogLines } from "../../lambdas/logs/store";
import { captureEmf } from "../support/emf";
import { useBucketPerTest } from "../support/s3";

const SECRET = "drain-secret-0123456789";
const VERIFY = "verify-code-abc";
const APP = "elegance-mobilite";
const sign = (body: string | Buffer, secret = SECRET) => createHmac("sha1", secret).update(body).digest("hex");

const logs = useBucketPerTest("logs");

const deps = (over: Partial<IngestDeps> = {}): IngestDeps => ({
  secret: SECRET,
  verifyCode: VERIFY,
  maxBytes: 1024 * 1024,
  s3: logs.s3().client,
  bucket: logs.bucket(),
  appName: APP,
  metrics: emfMetrics(),
  ...over,
});

type Options = { signature?: string | null; method?: string; deps?: Partial<IngestDeps> };

function send(body: string | Buffer, options: Options = {}) {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  const signature = options.signature === undefined ? sign(raw) : options.signature;
  const headers = signature === null ? {} : { "x-vercel-signature": signature };
  return ingestDelivery({ method: options.method ?? "POST", headers, body: raw }, deps(options.deps));
}

/** One delivery, with the EMF records it printed. */
async function deliver(body: string | Buffer, options: Options = {}) {
  const { result, records } = await captureEmf(() => send(body, options));
  return { ...result, json: JSON.parse(result.body), records };
}

/** Every stored object of the bucket: key → lines, read back through gunzip. */
async function stored(): Promise<Record<string, string[]>> {
  const listed = await logs.s3().client.send(new ListObjectsV2Command({ Bucket: logs.bucket() }));
  const out: Record<string, string[]> = {};
  for (const o of listed.Contents ?? []) out[o.Key!] = await readLogLines(logs.s3().client, logs.bucket(), o.Key!);
  return out;
}
const prefixes = (objects: Record<string, string[]>) =>
  Object.keys(objects)
    .map((k) => k.replace(/[^/]+$/, ""))
    .sort();

// Two UTC days: 23:59:58 on the 23rd and 00:00:01 on the 24th.
const LATE = Date.UTC(2026, 10, 23, 23, 59, 58);
const EARLY = Date.UTC(2026, 10, 24, 0, 0, 1);
const proxy = (statusCode: number, extra = "") =>
  `{"timestamp":${EARLY},"method":"GET","host":"www.elegance-mobilite.fr","path":"/api/rides","userAgent":["Mozilla/5.0"],"region":"cdg1","statusCode":${statusCode}${extra}}`;

// As Vercel sends them, with odd spacing and non-ASCII to show the bytes are kept.
const LINES = {
  functionStdout: `{"id":"1","message":"Réservation créée pour le trajet 42","timestamp":${LATE},"type":"stdout","source":"lambda","projectId":"prj_1","deploymentId":"dpl_1","requestId":"req-1","host":"x.vercel.app","proxy":${proxy(200)}}`,
  functionStderr: `{ "id": "2",  "message": "Error: ride 7 not found", "timestamp": ${EARLY}, "type": "stderr", "source": "lambda", "level": "error", "requestId": "req-2" }`,
  build: `{"id":"3","message":"Compiled successfully","timestamp":${EARLY},"type":"stdout","source":"build","buildId":"bld_1"}`,
  edgeRequest: `{"id":"4","timestamp":${EARLY},"source":"edge","projectId":"prj_1","deploymentId":"dpl_1","host":"www.elegance-mobilite.fr","proxy":${proxy(200, ',"vercelCache":"HIT"')}}`,
  staticRequest: `{"id":"5","timestamp":${LATE},"source":"static","proxy":${proxy(404)}}`,
  firewall: `{"id":"6","timestamp":${EARLY},"source":"firewall","level":"warning","proxy":${proxy(403, ',"wafAction":"deny"')}}`,
};

describe("classification and parsing", () => {
  it("files request records under access and program output (even with a proxy) under app", () => {
    const kinds = Object.fromEntries(Object.entries(LINES).map(([name, line]) => [name, classify(JSON.parse(line))]));
    expect(kinds).toEqual({
      functionStdout: "app",
      functionStderr: "app",
      build: "app",
      edgeRequest: "access",
      staticRequest: "access",
      firewall: "access",
    });
    expect(classify({ source: "redirect", timestamp: 1 })).toBe("access");
    expect(classify({ source: "static", type: "stdout", message: "x" })).toBe("app");
  });

  it("keeps each json element's own text, even with strings holding brackets, commas and escapes", () => {
    const tricky = `{"message":"a ] b, c } \\" [ d","timestamp":${EARLY}}`;
    const entries = parseDelivery(Buffer.from(` [ ${tricky} ,\n{"x": [1, {"y": "]"}], "timestamp": ${EARLY}}\n] `));
    expect(entries.map((e) => e.text)).toEqual([tricky, `{"x": [1, {"y": "]"}], "timestamp": ${EARLY}}`]);
    expect(entries[0].value.message).toBe('a ] b, c } " [ d');
  });

  it("reads the duration of a function's REPORT line, not its billed duration", () => {
    expect(
      durationMs({
        type: "report",
        message: "REPORT RequestId: r1 Duration: 123.45 ms Billed Duration: 124 ms Memory Size: 1024 MB",
      }),
    ).toBe(123.45);
    expect(durationMs({ type: "report", message: "REPORT RequestId: r1 Billed Duration: 124 ms" })).toBeUndefined();
    expect(durationMs({ type: "stdout", message: "Duration: 5 ms" })).toBeUndefined();
  });
});

describe("a valid signed delivery", () => {
  it("ndjson: lands under the right prefixes and UTC dates, lines byte for byte, in order", async () => {
    const body = Object.values(LINES).join("\r\n") + "\n\n";
    const response = await deliver(body);
    expect(response.statusCode).toBe(200);
    expect(response.headers["x-vercel-verify"]).toBe(VERIFY);
    expect(response.json).toMatchObject({ entries: 6, app: 3, access: 3, errorLines: 1, http5xxResponses: 0 });
    // A count goes out only when not zero: CloudWatch bills a metric by the hours it is sent in.
    const counts = response.records.filter((r) => "LogErrorLines" in r.metrics || "Http5xxResponses" in r.metrics);
    expect(counts.map((r) => r.metrics)).toEqual([{ LogErrorLines: 1 }]);

    const objects = await stored();
    expect(prefixes(objects)).toEqual([
      "access/vercel/2026/11/23/",
      "access/vercel/2026/11/24/",
      "app/vercel/2026/11/23/",
      "app/vercel/2026/11/24/",
    ]);
    const under = (prefix: string) => Object.entries(objects).find(([k]) => k.startsWith(prefix))![1];
    expect(under("app/vercel/2026/11/23/")).toEqual([LINES.functionStdout]);
    expect(under("app/vercel/2026/11/24/")).toEqual([LINES.functionStderr, LINES.build]);
    expect(under("access/vercel/2026/11/23/")).toEqual([LINES.staticRequest]);
    expect(under("access/vercel/2026/11/24/")).toEqual([LINES.edgeRequest, LINES.firewall]);
    expect(Object.keys(objects).sort()).toEqual([...response.json.objects].sort());
    // Named by the first entry's time and the body's hash.
    expect(Object.keys(objects).find((k) => k.startsWith("app/vercel/2026/11/24/"))).toMatch(
      /^app\/vercel\/2026\/11\/24\/000001Z-[0-9a-f]{24}\.ndjson\.gz$/,
    );
  });

  it("json: each element stored as its own text; an element spread over lines is re-serialised", async () => {
    const pretty = `{\n  "id": "7",\n  "timestamp": ${EARLY},\n  "source": "lambda",\n  "type": "stdout",\n  "message": "multi"\n}`;
    const body = `[${LINES.functionStderr},  ${LINES.edgeRequest} ,${pretty}]`;
    const response = await deliver(body);
    expect(response.statusCode).toBe(200);
    const objects = await stored();
    expect(prefixes(objects)).toEqual(["access/vercel/2026/11/24/", "app/vercel/2026/11/24/"]);
    const app = Object.entries(objects).find(([k]) => k.startsWith("app/"))![1];
    expect(app).toEqual([LINES.functionStderr, JSON.stringify(JSON.parse(pretty))]);
    expect(Object.entries(objects).find(([k]) => k.startsWith("access/"))![1]).toEqual([LINES.edgeRequest]);
  });

  it("a retried identical delivery overwrites its own objects instead of doubling them", async () => {
    const body = [LINES.functionStderr, LINES.edgeRequest].join("\n");
    const first = await deliver(body);
    const again = await deliver(body);
    expect(again.json.objects).toEqual(first.json.objects);
    const objects = await stored();
    expect(Object.keys(objects)).toHaveLength(2);
    expect(Object.values(objects).flat()).toHaveLength(2);
  });

  it("an empty delivery is accepted and stores nothing", async () => {
    expect((await deliver("[]")).statusCode).toBe(200);
    expect((await deliver("")).statusCode).toBe(200);
    expect(await stored()).toEqual({});
  });

  it("50 concurrent deliveries are all stored, none overwriting another", async () => {
    const bodies = Array.from({ length: 50 }, (_, i) =>
      [0, 1, 2]
        .map(
          (j) =>
            // One error line each, so that each delivery sends its count (none is sent for zero).
            `{"id":"${i}-${j}","timestamp":${EARLY + j},"source":"lambda","type":"${j ? "stdout" : "stderr"}","message":"delivery ${i} line ${j}"}`,
        )
        .join("\n"),
    );
    const { result: responses, records } = await captureEmf(() => Promise.all(bodies.map((b) => send(b))));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
    expect(records).toHaveLength(50);
    const objects = await stored();
    expect(Object.keys(objects)).toHaveLength(50);
    expect(Object.values(objects).flat().sort()).toEqual(bodies.flatMap((b) => b.split("\n")).sort());
  });
});

describe("a refused delivery stores nothing", () => {
  const body = [LINES.functionStderr, LINES.edgeRequest].join("\n");
  it.each([
    ["a signature made with another secret", () => deliver(body, { signature: sign(body, "not-the-secret") }), 403],
    ["a signature of another body", () => deliver(body, { signature: sign(body + " ") }), 403],
    ["a truncated signature", () => deliver(body, { signature: sign(body).slice(0, 20) }), 403],
    ["no signature", () => deliver(body, { signature: null }), 403],
    ["a body over the limit", () => deliver(body, { deps: { maxBytes: 100 } }), 413],
    ["json cut short", () => deliver(`[${LINES.functionStderr},`), 400],
    ["a json array holding a non-object", () => deliver(`[${LINES.functionStderr}, 42]`), 400],
    [
      "one bad ndjson line among good ones",
      () => deliver([LINES.functionStderr, '{"id":"x", oops}', LINES.edgeRequest].join("\n")),
      400,
    ],
    ["an ndjson line that is not an object", () => deliver([LINES.functionStderr, '"just a string"'].join("\n")), 400],
    ["a body that is not JSON at all", () => deliver("hello"), 400],
    [
      "invalid UTF-8",
      () => deliver(Buffer.concat([Buffer.from(`[{"message":"`), Buffer.from([0xc3, 0x28]), Buffer.from(`"}]`)])),
      400,
    ],
  ])("%s", async (_, send, status) => {
    const response = await send();
    expect(response.statusCode).toBe(status);
    expect(response.headers["x-vercel-verify"]).toBe(VERIFY);
    // Only a refusal for size is counted: that metric pages (those logs are lost).
    expect(response.records).toEqual(
      status === 413
        ? [
            {
              namespace: "EleganceOps",
              dimensions: { App: APP },
              metrics: { LogDeliveriesTooLarge: 1 },
              units: { LogDeliveriesTooLarge: "Count" },
            },
          ]
        : [],
    );
    expect(await stored()).toEqual({});
  });

  it("an S3 failure answers 500 so Vercel retries", async () => {
    const errors: string[] = [];
    const response = await deliver(body, { deps: { bucket: "no-such-bucket", logError: (m) => errors.push(m) } });
    expect(response.statusCode).toBe(500);
    expect(response.records).toEqual([]);
    expect(errors[0]).toMatch(/could not store 2 of 2 log objects/);
  });
});

describe("endpoint verification", () => {
  it("answers GET and HEAD 200 with x-vercel-verify, other methods 405, without reading a secret", async () => {
    const secret = jest.fn(async () => SECRET);
    for (const method of ["GET", "HEAD"]) {
      const response = await deliver("", { method, signature: null, deps: { secret } });
      expect(response).toMatchObject({ statusCode: 200, headers: { "x-vercel-verify": VERIFY } });
    }
    expect((await deliver("", { method: "PUT", deps: { secret } })).statusCode).toBe(405);
    expect(secret).not.toHaveBeenCalled();
  });

  it("sends no verification header when no code is configured", async () => {
    const response = await deliver("", { method: "GET", deps: { verifyCode: undefined } });
    expect(response.headers["x-vercel-verify"]).toBeUndefined();
  });
});

describe("metrics", () => {
  it("counts error lines, 5xx requests once each, and emits every duration for the p95", async () => {
    const reports = Array.from(
      { length: 150 },
      (_, i) =>
        `{"id":"r${i}","timestamp":${EARLY},"source":"lambda","type":"report","requestId":"q${i}","message":"REPORT RequestId: q${i} Duration: ${i + 1}.5 ms Billed Duration: ${i + 2} ms"}`,
    );
    const body = [
      LINES.functionStderr, // stderr + level error: one error line
      `{"id":"a","timestamp":${EARLY},"source":"lambda","type":"stdout","level":"fatal","message":"boom"}`,
      `{"id":"b","timestamp":${EARLY},"source":"lambda","type":"stderr","message":"warn-ish"}`,
      // One request logged twice, answered 500: counted once.
      `{"id":"c","timestamp":${EARLY},"source":"lambda","type":"stdout","requestId":"req-500","statusCode":500,"message":"x"}`,
      `{"id":"d","timestamp":${EARLY},"source":"edge","requestId":"req-500","proxy":${proxy(500)}}`,
      `{"id":"e","timestamp":${EARLY},"source":"static","proxy":${proxy(503, ',"vercelId":"cdg1::abc"')}}`,
      `{"id":"f","timestamp":${EARLY},"source":"lambda","requestId":"req-crash","statusCode":-1,"message":"crash"}`,
      // Background revalidation: not a response.
      `{"id":"g","timestamp":${EARLY},"source":"edge","proxy":${proxy(-1, ',"vercelId":"cdg1::bg"')}}`,
      LINES.edgeRequest,
      ...reports,
    ].join("\n");
    const response = await deliver(body);
    expect(response.json).toMatchObject({ errorLines: 3, http5xxResponses: 3, durations: 150 });
    const [counts, ...durations] = response.records;
    expect(counts).toMatchObject({
      namespace: "EleganceOps",
      dimensions: { App: APP },
      metrics: { LogErrorLines: 3, Http5xxResponses: 3 },
      units: { LogErrorLines: "Count" },
    });
    expect(durations).toHaveLength(2);
    for (const d of durations)
      expect(d).toMatchObject({
        namespace: "EleganceOps",
        dimensions: { App: APP },
        units: { RequestDuration: "Milliseconds" },
      });
    expect(durations.flatMap((d) => d.metrics.RequestDuration as unknown as number[])).toEqual(
      Array.from({ length: 150 }, (_, i) => i + 1.5),
    );
  });
});

describe("the Function URL handler", () => {
  const secrets = mockClient(SecretsManagerClient);
  const ARN = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:elegance-mobilite/log-drain";
  const saved = { ...process.env };
  beforeEach(() => {
    secrets.reset().on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: SECRET });
    Object.assign(process.env, logs.s3().env, {
      LOG_DRAIN_SECRET_ARN: ARN,
      LOGS_BUCKET: logs.bucket(),
      VERCEL_VERIFY_CODE: VERIFY,
      LOG_DRAIN_MAX_BYTES: "2048",
      APP_NAME: "app-x",
    });
  });
  afterAll(() => {
    process.env = saved;
    secrets.restore();
  });

  const event = (body: string, headers: Record<string, string>, base64 = false, method = "POST") => ({
    version: "2.0",
    rawPath: "/",
    requestContext: { http: { method } },
    headers,
    body: base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: base64,
  });

  it("decodes a base64 body, checks it with the secret from Secrets Manager, stores it", async () => {
    const body = [LINES.functionStderr, LINES.edgeRequest].join("\n");
    const { result, records } = await captureEmf(() =>
      handler(event(body, { "content-type": "application/x-ndjson", "x-vercel-signature": sign(body) }, true)),
    );
    expect(result).toMatchObject({ statusCode: 200, headers: { "x-vercel-verify": VERIFY } });
    expect(records[0].dimensions).toEqual({ App: "app-x" });
    expect(
      Object.values(await stored())
        .flat()
        .sort(),
    ).toEqual([LINES.edgeRequest, LINES.functionStderr].sort());
  });

  it("applies LOG_DRAIN_MAX_BYTES and refuses an unsigned body", async () => {
    const big = `[${Array(40).fill(LINES.edgeRequest).join(",")}]`;
    expect((await handler(event(big, { "x-vercel-signature": sign(big) }))).statusCode).toBe(413);
    expect((await handler(event(LINES.build, {}))).statusCode).toBe(403);
    expect(await stored()).toEqual({});
  });

  it("answers Vercel's verification GET", async () => {
    expect(await handler(event("", {}, false, "GET"))).toMatchObject({
      statusCode: 200,
      headers: { "x-vercel-verify": VERIFY },
    });
  });
});
