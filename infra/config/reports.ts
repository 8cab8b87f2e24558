// Config of the weekly report, the metrics export and the business metrics (issue 15), kept
// beside schema.ts so that file only gains two lines.
// schema.ts passes its `doc` (the messages' registry), so this file does not import it back.
import { z } from "zod";

type Doc = <T extends z.ZodType>(schema: T, expected: string, example?: string) => T;
/** A block whose keys all have defaults may be left out (as schema.ts's `section`). */
const section = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.preprocess((v) => (v === undefined ? {} : v), z.strictObject(shape));

export function reportSchemas(doc: Doc) {
  const CRON = /^(cron\(.+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/;
  const ROLES = ["lead-dev", "dba", "devops"] as const;
  const table = (fallback: string) =>
    doc(z.string().regex(/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/), `a schema-qualified table, e.g. ${fallback}`).default(
      fallback,
    );
  const column = (fallback: string) =>
    doc(
      z.string().regex(/^[a-z_][a-z0-9_]*$/),
      `a column name (lowercase letters, digits, _), e.g. ${fallback}`,
    ).default(fallback);
  const label = (fallback: string) =>
    doc(z.string().min(1).max(63), `a value of the status column, e.g. ${fallback}`).default(fallback);

  const ses = z
    .strictObject({
      domain: doc(
        z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/),
        "a lowercase domain name you control, e.g. elegance-mobilite.fr",
      ),
      from: doc(z.email(), "the sender address, in the SES domain, e.g. rapports@elegance-mobilite.fr"),
    })
    .superRefine((s, ctx) => {
      if (
        typeof s.from === "string" &&
        typeof s.domain === "string" &&
        !s.from.toLowerCase().endsWith(`@${s.domain}`)
      ) {
        ctx.addIssue({
          code: "custom",
          path: ["from"],
          input: s.from,
          message: `is not an address of reports.ses.domain (${s.domain}); expected e.g. rapports@${s.domain}`,
        });
      }
    });

  /** `elegance-ops:reports`: when the export and the report run, who gets it, the dashboard's links. */
  const reports = section({
    metricsExport: doc(z.string().regex(CRON), "an EventBridge Scheduler expression, e.g. cron(30 2 * * ? *)").default(
      "cron(30 2 * * ? *)",
    ),
    // Monday, after the weekly list (08:00) has written its record.
    weekly: doc(z.string().regex(CRON), "an EventBridge Scheduler expression, e.g. cron(0 9 ? * MON *)").default(
      "cron(0 9 ? * MON *)",
    ),
    recipients: doc(
      z.array(z.enum(ROLES)),
      "a list of roles among lead-dev, dba, devops, e.g. [lead-dev, devops]",
    ).default(["lead-dev", "devops"]),
    ses: ses.optional(),
    links: z
      .strictObject({
        vercelAnalytics: doc(
          z.url({ protocol: /^https$/ }),
          "an https URL, e.g. https://vercel.com/<team>/<project>/analytics",
        ).optional(),
        supabase: doc(
          z.url({ protocol: /^https$/ }),
          "an https URL, e.g. https://supabase.com/dashboard/project/<ref>",
        ).optional(),
      })
      .default({}),
  });

  /** `elegance-ops:businessMetrics`: where the daily business figures are read (the fixture's names by default). */
  const businessMetrics = section({
    ridesTable: table("public.rides"),
    rideCreatedAt: column("created_at"),
    rideStatus: column("status"),
    completedStatus: label("completed"),
    cancelledStatus: label("cancelled"),
    /** No price column: no revenue metric. */
    ridePriceCents: column("price_cents"),
    driversTable: table("public.drivers"),
    driverActive: column("is_active"),
    usersTable: table("auth.users"),
    userCreatedAt: column("created_at"),
    sessionsTable: table("auth.sessions"),
  });
  return { reports, businessMetrics };
}
