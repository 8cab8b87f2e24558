// Secrets are read at run time from Secrets Manager, cached for the life of the container
// (Powertools Parameters), never from environment variables and never logged.
import { getSecret } from "@aws-lambda-powertools/parameters/secrets";

const FIVE_MINUTES = 300;

export async function secretValue(arn: string): Promise<string> {
  const value = await getSecret(arn, { maxAge: FIVE_MINUTES });
  if (typeof value !== "string" || value === "") throw new Error(`secret ${arn} is empty or binary; expected a string`);
  return value;
}
