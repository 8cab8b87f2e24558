// Monthly "Revue des accès" (supabase projects list-access-logs): who can get in to PostgreSQL,
// Vercel, Supabase and AWS against the approved list (lambdas/access/); its record is kept
// under security/access-reviews/.
import { IAMClient } from "@aws-sdk/client-iam";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Check } from "../core/check";
import { runAccessReview } from "../access/run";
import { accessResult, type AccessSettings } from "../access/review";

export const accessReviewCheck = (s3: () => S3Client): Check => ({
  id: "access-review",
  title: "Revue des accès : comptes PostgreSQL, Vercel, Supabase et AWS contre la liste approuvée",
  timeoutMs: 120_000,
  async run({ inputs, now }) {
    const settings = (inputs.security?.access ?? {}) as Partial<AccessSettings> & { aws?: boolean };
    const review = await runAccessReview(
      inputs,
      {
        settings,
        supabase: inputs.security?.supabase,
        aws: settings.aws === false ? undefined : { iam: new IAMClient({}), accountId: process.env.AWS_ACCOUNT_ID },
        s3,
      },
      now,
    );
    return accessResult(review);
  },
});
