// `ops access review`: the monthly "Revue des accès" by hand. Only the command's shape is here;
// ./access-run loads when it runs.
import { Command, Option } from "commander";
import { positiveInt, withInputs } from "./inputs";

const work = (): typeof import("./access-run") => require("./access-run");

export function accessCommand(): Command {
  const review = withInputs(
    new Command("review").description(
      "who can get in to PostgreSQL, Vercel, Supabase and AWS, against access.approved of the stack file (the monthly access-review)",
    ),
    ["databaseUrl", "logsBucket", "vercelToken", "vercelTeam", "vercelProject", "vercelApiUrl"],
  )
    .option("--supabase-token <token>", "Supabase personal access token (secret) [env: SUPABASE_ACCESS_TOKEN]")
    .option(
      "--supabase-api-url <url>",
      "Supabase Management API (default https://api.supabase.com) [env: SUPABASE_API_URL]",
    )
    .option("--aws", "also review IAM (credential report, cross-account roles) with the shell's AWS credentials")
    .option(
      "--aws-account-id <id>",
      "this AWS account's id: trust of any other account is reported [env: AWS_ACCOUNT_ID]",
    )
    .addOption(new Option("--aws-wait-ms <ms>").argParser(positiveInt("--aws-wait-ms")).default(30_000).hideHelp())
    .addOption(new Option("--aws-poll-ms <ms>").argParser(positiveInt("--aws-poll-ms")).default(2_000).hideHelp());
  review.action((options: Record<string, unknown>) => work().accessReviewRun(options));
  return new Command("access").description("the guide's monthly access review").addCommand(review);
}
