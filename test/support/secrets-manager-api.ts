// A fake of AWS Secrets Manager's GetSecretValue on loopback (its JSON 1.1 protocol: POST /,
// X-Amz-Target secretsmanager.GetSecretValue), so a handler run in a child process reads its
// secret the way it does in AWS: the SDK pointed at it by AWS_ENDPOINT_URL_SECRETS_MANAGER.
import { startHttpServer, TestServer } from "./http";

export interface FakeSecretsManager extends TestServer {
  /** AWS_ENDPOINT_URL_SECRETS_MANAGER for the code under test. */
  env: Record<string, string>;
}

/** `secrets`: ARN → value; `delayMs`: ARN → how long the answer waits (a slow or hung call). */
export async function startSecretsManager(
  secrets: Record<string, string>,
  delayMs: Record<string, number> = {},
): Promise<FakeSecretsManager> {
  const server = await startHttpServer((req, res, body) => {
    const reply = (status: number, json: object) => {
      res.writeHead(status, { "Content-Type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify(json));
    };
    if (req.headers["x-amz-target"] !== "secretsmanager.GetSecretValue")
      return reply(400, { __type: "UnknownOperationException", message: `${req.headers["x-amz-target"]}` });
    const id = (JSON.parse(body) as { SecretId?: string }).SecretId ?? "";
    const value = secrets[id];
    const answer = () =>
      value === undefined
        ? reply(400, {
            __type: "ResourceNotFoundException",
            message: "Secrets Manager can't find the specified secret.",
          })
        : reply(200, {
            ARN: id,
            Name: id.split(":").pop(),
            SecretString: value,
            VersionId: "v1",
            VersionStages: ["AWSCURRENT"],
            CreatedDate: 1_764_000_000,
          });
    const delay = delayMs[id];
    if (delay) setTimeout(answer, delay).unref();
    else answer();
  });
  return { ...server, env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: server.url } };
}
