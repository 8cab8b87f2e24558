// The stack keeps its runtime values in one JSON secret: a `*_SECRET_ARN` variable holds
// `<arn>#<key>`, read here through Powertools against a Secrets Manager fake on loopback.
import { startSecretsManager, type FakeSecretsManager } from "../support/secrets-manager-api";

const RUNTIME = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:elegance-mobilite/runtime-AbCdEf";
const PLAIN = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:elegance-mobilite/backup-database-url-AbCdEf";
const NOT_JSON = "arn:aws:secretsmanager:eu-west-3:123456789012:secret:not-json";

let secrets: FakeSecretsManager;
let secretValue: (ref: string) => Promise<string>;
const saved = { ...process.env };

beforeAll(async () => {
  secrets = await startSecretsManager({
    [RUNTIME]: JSON.stringify({ databaseUrl: "postgresql://maintenance@db/app", smsPhones: '{"3":["+33600000000"]}' }),
    [PLAIN]: "postgresql://postgres@db/app",
    [NOT_JSON]: "just a string",
  });
  Object.assign(process.env, secrets.env, {
    AWS_REGION: "eu-west-3",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
  });
  // Powertools builds its client on first use: after the endpoint is in the environment.
  ({ secretValue } = require("../../lambdas/lib/secrets") as typeof import("../../lambdas/lib/secrets"));
});
afterAll(async () => {
  process.env = saved;
  await secrets.close();
});

test("a reference reads its key of the JSON secret; a plain ARN reads the whole value", async () => {
  expect(await secretValue(`${RUNTIME}#databaseUrl`)).toBe("postgresql://maintenance@db/app");
  expect(JSON.parse(await secretValue(`${RUNTIME}#smsPhones`))).toEqual({ 3: ["+33600000000"] });
  expect(await secretValue(PLAIN)).toBe("postgresql://postgres@db/app");
});

test("a missing key or a secret that is not JSON is named in the error, never its value", async () => {
  await expect(secretValue(`${RUNTIME}#snykToken`)).rejects.toThrow(`secret ${RUNTIME} has no string at key snykToken`);
  const notJson = secretValue(`${NOT_JSON}#databaseUrl`);
  await expect(notJson).rejects.toThrow(`secret ${NOT_JSON} is not JSON; expected an object with the key databaseUrl`);
  await expect(notJson).rejects.not.toThrow(/just a string/);
});
