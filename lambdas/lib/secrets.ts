// Secrets are read at run time from Secrets Manager, cached for the life of the container
// (Powertools Parameters), never from environment variables and never logged. A reference
// `<arn>#<key>` names one key of a JSON secret (the stack keeps its values in one secret).
import { getSecret } from "@aws-lambda-powertools/parameters/secrets";

const FIVE_MINUTES = 300;

export async function secretValue(ref: string): Promise<string> {
  const hash = ref.indexOf("#");
  const [arn, key] = hash < 0 ? [ref, undefined] : [ref.slice(0, hash), ref.slice(hash + 1)];
  const value = await getSecret(arn, { maxAge: FIVE_MINUTES });
  if (typeof value !== "string" || value === "") throw new Error(`secret ${arn} is empty or binary; expected a string`);
  if (key === undefined) return value;
  let keys: Record<string, unknown>;
  try {
    keys = JSON.parse(value) as Record<string, unknown>;
  } catch {
    throw new Error(`secret ${arn} is not JSON; expected an object with the key ${key}`);
  }
  const found = keys?.[key];
  if (typeof found !== "string" || found === "") throw new Error(`secret ${arn} has no string at key ${key}`);
  return found;
}
