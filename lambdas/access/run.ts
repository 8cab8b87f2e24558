// Runs the access review on the systems the inputs reach, and keeps its record under
// security/access-reviews/YYYY/MM/ of the logs bucket (kept 1 year with the security logs).
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { IAMClient } from "@aws-sdk/client-iam";
import { Client } from "pg";
import { ACCESS_REVIEWS_PREFIX } from "../core/contract";
import { pgConfig } from "../core/pg";
import type { TaskInputs } from "../core/inputs";
import { JsonClient, type HttpOptions } from "../security/http";
import { VercelApi } from "../vercel/api";
import type { System } from "./accounts";
import { activityHistory, applyLastLogins, type ActivityHistory } from "./activity";
import { awsAccounts, supabaseAccounts, vercelAccounts } from "./platforms";
import { postgresAccounts } from "./postgres";
import { DEFAULT_ACCESS_SETTINGS, reviewAccounts, type AccessReview, type AccessSettings } from "./review";

export interface AccessSources {
  settings: Partial<AccessSettings>;
  supabase?: { token: () => Promise<string>; apiUrl: string };
  /** IAM, when AWS is reviewed; its account id tells other accounts' principals apart. */
  aws?: { iam: IAMClient; accountId?: string; waitMs?: number; pollMs?: number };
  s3?: () => S3Client;
  http?: HttpOptions;
}

export async function runAccessReview(inputs: TaskInputs, sources: AccessSources, now: Date): Promise<AccessReview> {
  const settings = { ...DEFAULT_ACCESS_SETTINGS, ...sources.settings };
  const review: AccessReview = { at: now.toISOString(), reviewed: [], unreadable: [], accounts: [], findings: [] };
  const attempt = async (system: System, work: () => Promise<void>) => {
    try {
      await work();
      review.reviewed.push(system);
    } catch (error) {
      review.unreadable.push(`${system}: ${(error as Error).message}`);
    }
  };
  if (inputs.databaseUrl) {
    await attempt("postgres", async () => {
      const client = new Client(
        pgConfig(await inputs.databaseUrl!(), {
          statement_timeout: 20_000,
          application_name: "elegance-ops",
          options: "-c default_transaction_read_only=on",
        }),
      );
      await client.connect();
      let accounts;
      try {
        accounts = await postgresAccounts(client, now);
      } finally {
        await client.end().catch(() => undefined);
      }
      // PostgreSQL keeps no last login: the daily list's samples say who connected recently.
      let history: ActivityHistory = { samples: 0, lastSeen: new Map(), unreadable: [] };
      if (sources.s3 && inputs.logsBucket) {
        try {
          history = await activityHistory(sources.s3(), inputs.logsBucket, now);
        } catch (error) {
          review.unreadable.push(
            `postgres last logins (s3://${inputs.logsBucket} daily records): ${(error as Error).message}`,
          );
        }
      }
      applyLastLogins(accounts, history, now);
      review.activity = { samples: history.samples, oldest: history.oldest, unreadable: history.unreadable };
      review.accounts.push(...accounts);
    });
  }
  const v = inputs.security?.vercel;
  if (v?.team) {
    await attempt("vercel", async () => {
      const api = new VercelApi({
        token: await v.token(),
        team: v.team,
        baseUrl: v.apiUrl,
        retryBaseMs: sources.http?.retryBaseMs,
      });
      const { accounts, deployHooks } = await vercelAccounts(api, v.team!, v.project);
      review.accounts.push(...accounts);
      review.deployHooks = deployHooks;
    });
  }
  if (sources.supabase && settings.supabaseOrganization) {
    const s = sources.supabase;
    await attempt("supabase", async () => {
      review.accounts.push(
        ...(await supabaseAccounts(
          new JsonClient(sources.http),
          s.apiUrl,
          await s.token(),
          settings.supabaseOrganization!,
        )),
      );
    });
  }
  if (sources.aws) {
    const a = sources.aws;
    await attempt("aws", async () => {
      review.accounts.push(
        ...(await awsAccounts(a.iam, a.accountId, now, settings.maxKeyAgeDays, {
          waitMs: a.waitMs ?? 30_000,
          pollMs: a.pollMs ?? 2_000,
        })),
      );
    });
  }
  review.findings = reviewAccounts(review.accounts, review.reviewed, settings.approved);
  if (sources.s3 && inputs.logsBucket) {
    const day = now.toISOString().slice(0, 10);
    const key = `${ACCESS_REVIEWS_PREFIX}${day.slice(0, 4)}/${day.slice(5, 7)}/${day}.json`;
    await sources.s3().send(
      new PutObjectCommand({
        Bucket: inputs.logsBucket,
        Key: key,
        Body: JSON.stringify(review, null, 2),
        ContentType: "application/json",
      }),
    );
    review.recordKey = key;
  }
  return review;
}
