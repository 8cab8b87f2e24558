// The work of `ops access review`, loaded only when it runs.
import { IAMClient } from "@aws-sdk/client-iam";
import { createS3Client } from "../../lambdas/lib/s3";
import { runAccessReview } from "../../lambdas/access/run";
import { accessResult } from "../../lambdas/access/review";
import { print } from "./output";
import { securityInputs } from "./security-run";

export async function accessReviewRun(options: Record<string, any>): Promise<void> {
  const { inputs, security } = securityInputs(options, "access-review");
  const token = options.supabaseToken ?? process.env.SUPABASE_ACCESS_TOKEN;
  const supabase = token
    ? {
        token: async () => token,
        apiUrl: options.supabaseApiUrl ?? process.env.SUPABASE_API_URL ?? "https://api.supabase.com",
      }
    : undefined;
  const review = await runAccessReview(
    { ...inputs, security },
    {
      settings: security.access,
      supabase,
      aws: options.aws
        ? {
            iam: new IAMClient({}),
            accountId: options.awsAccountId ?? process.env.AWS_ACCOUNT_ID,
            waitMs: options.awsWaitMs,
            pollMs: options.awsPollMs,
          }
        : undefined,
      s3: inputs.logsBucket ? () => createS3Client() : undefined,
    },
    new Date(),
  );
  const result = accessResult(review);
  print(options, { ...result, id: "access-review" }, () => {
    const out: string[] = [];
    for (const system of review.reviewed) {
      const accounts = review.accounts.filter((a) => a.system === system);
      out.push(`${system}: ${accounts.length} accounts`);
      for (const a of accounts)
        out.push(
          `  ${a.service ? "service " : ""}${a.name} (${a.privilege}${a.grants.length ? `: ${a.grants.join(", ")}` : ""})`,
        );
    }
    for (const f of review.findings) out.push(`${f.status}: ${f.system} ${f.name}: ${f.problem}: ${f.detail}`);
    for (const u of review.unreadable) out.push(`warn: not read: ${u}`);
    if (review.recordKey) out.push(`record: ${review.recordKey}`);
    out.push(`access review: ${result.status}: ${result.summary}`);
    return out.join("\n");
  });
  if (result.status === "fail") process.exitCode = 1;
}
