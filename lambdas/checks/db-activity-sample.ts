// Daily sample of who is connected to PostgreSQL (it keeps no last login): the sample is this
// check's details in the daily run record, which the monthly access review reads back.
import type { Check } from "../core/check";
import { ACTIVITY_SAMPLE_CHECK, sampleActivity } from "../access/activity";
import { withDatabase } from "./db/connect";

export const activitySampleCheck: Check = {
  id: ACTIVITY_SAMPLE_CHECK,
  title: "Connexions PostgreSQL : rôles connectés (échantillon pour la revue des accès)",
  run: (ctx) =>
    withDatabase(ctx, async (client) => {
      const sample = await sampleActivity(client, ctx.now);
      const names = sample.roles.map((r) => r.name);
      return {
        status: "ok",
        summary: `${names.length} role(s) connected at ${sample.sampledAt}${names.length ? `: ${names.join(", ")}` : ""}`,
        details: sample,
      };
    }),
};
