// The stack config: the real prod file parses, defaults apply, secrets become Pulumi secrets,
// and every kind of mistake gives one message naming the key and what to write instead.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import * as path from "path";
import {
  ConfigError,
  loadStackConfig,
  parseStackConfig,
  PROJECT,
  rawConfigFromStackFile,
  SECRET_FIELDS,
  StackConfig,
} from "../../infra/config";
import { problemsOf } from "../support/pulumi";

const PROD_YAML = readFileSync(path.join(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8");
const validRaw = () => rawConfigFromStackFile(PROD_YAML, true);

type Editable = Record<string, any>;

/** The valid prod config after `edit`, which sees object values parsed; strings are passed as they are. */
function edited(edit: (c: Editable) => void): Record<string, string> {
  const c: Editable = {};
  for (const [k, v] of Object.entries(validRaw())) c[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
  edit(c);
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(c)) if (v !== undefined) raw[k] = typeof v === "string" ? v : JSON.stringify(v);
  return raw;
}

const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => (resolve(v), v)));

describe("the prod stack file", () => {
  const config = parseStackConfig(validRaw());

  it("parses into the typed config", () => {
    expect(config.region).toBe("eu-west-3");
    expect(config.app).toEqual({
      name: "elegance-mobilite",
      url: "https://www.elegance-mobilite.fr",
      healthPath: "/api/health",
    });
    expect(config.logRetention).toEqual({
      appDays: 30,
      accessDays: 90,
      securityDays: 365,
      metricsDays: 731,
      reportsDays: 731,
    });
    expect(config.backups.retention).toEqual({ dailyDays: 35, monthlyDays: 365, yearlyDays: 1827 });
    expect(config.contacts.map((c) => [c.name, c.role])).toEqual([
      ["Camille Martin", "lead-dev"],
      ["Julien Moreau", "dba"],
      ["Sophie Bernard", "devops"],
    ]);
  });

  it("turns every secret field into a Pulumi secret", async () => {
    const secrets = [config.database.url, ...config.contacts.flatMap((c) => [c.email, c.phone])];
    expect(secrets).toHaveLength(1 + 2 * config.contacts.length);
    for (const s of secrets) {
      expect(pulumi.Output.isInstance(s)).toBe(true);
      expect(await pulumi.isSecret(s)).toBe(true);
    }
    expect(await valueOf(config.contacts[0].phone)).toBe("+33612345678");
  });

  it("without placeholders, asks for exactly the secrets its header tells how to set", () => {
    const problems = problemsOf(rawConfigFromStackFile(PROD_YAML, false));
    // database.url, an e-mail and a phone per contact, and the token of the vercel block.
    expect(problems).toHaveLength(1 + 2 * 3 + 1);
    for (const p of problems) {
      const command = /set it with {2}(pulumi config set --secret --path '[^']+' ')/.exec(p);
      expect(command).not.toBeNull();
      expect(PROD_YAML).toContain(`#   ${command![1]}`);
    }
  });
});

describe("rawConfigFromStackFile", () => {
  const yaml = [
    "config:",
    "  aws:region: eu-west-3",
    "  elegance-ops:timezone: Europe/Paris",
    "  elegance-ops:database:",
    "    url:",
    "      secure: v1:ZmFrZQ==",
    "    postgresMajor: 17",
    "  elegance-ops:contacts:",
    "    - {name: Camille Martin, role: lead-dev, email: {secure: v1:eA==}}",
  ].join("\n");

  it("replaces secure nodes and missing secret fields by the SecretField examples", () => {
    const raw = rawConfigFromStackFile(yaml, true);
    const example = (p: string) => SECRET_FIELDS.find((f) => f.path === p)!.example;
    expect(raw["elegance-ops:timezone"]).toBe("Europe/Paris");
    expect(JSON.parse(raw["elegance-ops:database"])).toEqual({ url: example("database.url"), postgresMajor: 17 });
    expect(JSON.parse(raw["elegance-ops:contacts"])).toEqual([
      {
        name: "Camille Martin",
        role: "lead-dev",
        email: example("contacts[].email"),
        phone: example("contacts[].phone"),
      },
    ]);
  });

  it("leaves secure nodes out without placeholders", () => {
    const raw = rawConfigFromStackFile(yaml, false);
    expect(JSON.parse(raw["elegance-ops:database"])).toEqual({ postgresMajor: 17 });
    expect(JSON.parse(raw["elegance-ops:contacts"])).toEqual([{ name: "Camille Martin", role: "lead-dev" }]);
  });
});

describe("defaults", () => {
  it("fill every optional key", async () => {
    const config: StackConfig = parseStackConfig({
      "aws:region": "eu-west-3",
      "elegance-ops:app": JSON.stringify({ name: "elegance-mobilite", url: "https://www.elegance-mobilite.fr/" }),
      "elegance-ops:backups": JSON.stringify({ objectLock: { mode: "COMPLIANCE", days: 7 } }),
      "elegance-ops:database": JSON.stringify({ url: "postgres://app:pw@localhost:5432/elegance" }),
      "elegance-ops:contacts": JSON.stringify([
        { name: "Camille Martin", role: "lead-dev", email: "camille@elegance-mobilite.fr", phone: "+33 6 12 34 56 78" },
        { name: "Sophie Bernard", role: "devops", email: "sophie@elegance-mobilite.fr", phone: "+33634567890" },
      ]),
      "aws:profile": "ignored",
      "pulumi:tags": "{}",
    });
    expect(config.app).toEqual({
      name: "elegance-mobilite",
      url: "https://www.elegance-mobilite.fr",
      healthPath: "/api/health",
    });
    expect(config.timezone).toBe("Europe/Paris");
    expect(config.schedules).toEqual({
      daily: "cron(0 7 * * ? *)",
      weekly: "cron(0 8 ? * MON *)",
      monthly: "cron(0 3 1 * ? *)",
      healthProbe: "rate(1 minute)",
      backup: "cron(0 2 * * ? *)",
      backupDrill: "cron(0 5 ? * MON *)",
    });
    expect(config.thresholds).toEqual({
      health: { timeoutMs: 5000, p95LatencyMs: 1500 },
      uptime: { warnBelowPercent: 99.9, failBelowPercent: 99 },
    });
    expect(config.logRetention).toEqual({
      appDays: 30,
      accessDays: 90,
      securityDays: 365,
      metricsDays: 731,
      reportsDays: 731,
    });
    expect(config.backups).toEqual({
      objectLock: { mode: "COMPLIANCE", days: 7 },
      retention: { dailyDays: 35, monthlyDays: 365 },
      noncurrentVersionDays: 7,
      maxAgeHours: 26,
      check: { minSizeRatio: 0.5, maxSizeRatio: 2, drillMaxAgeDays: 8 },
      imagesKept: 5,
    });
    expect(config.database.postgresMajor).toBe(15);
    expect(config.vendors).toEqual({ supabaseSupport: "support@supabase.io", vercelSupport: "support@vercel.com" });
    expect(await valueOf(config.contacts[0].phone)).toBe("+33612345678"); // spaces removed
  });
});

const B = "elegance-ops:backups";
const L = "elegance-ops:logRetention";
const S = "elegance-ops:schedules";
const C = "elegance-ops:contacts";
const CW = "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653";

// [mistake, edit of the valid prod config, exact key named, text the message must contain]
const INVALID: Array<[string, (c: Editable) => void, string, string]> = [
  [
    "hours as a string",
    (c) => (c[B].maxAgeHours = "abc"),
    `${B}.maxAgeHours`,
    `"abc" is a string; expected an integer number of hours between 1 and 168`,
  ],
  [
    "hours above a week",
    (c) => (c[B].maxAgeHours = 200),
    `${B}.maxAgeHours`,
    "200 is too large; expected an integer number of hours between 1 and 168",
  ],
  [
    "size band upside down",
    (c) => (c[B].check = { minSizeRatio: 1.5 }),
    `${B}.check.minSizeRatio`,
    "1.5 is too large; expected a fraction between 0 and 1",
  ],
  [
    "backup schedule not a cron",
    (c) => (c[S].backup = "every night"),
    `${S}.backup`,
    '"every night" is not an EventBridge Scheduler expression',
  ],
  [
    "retention CloudWatch rejects",
    (c) => (c[L].appDays = 45),
    `${L}.appDays`,
    `45 is not a CloudWatch retention value; use one of ${CW}`,
  ],
  [
    "access logs under the guide",
    (c) => (c[L].accessDays = 30),
    `${L}.accessDays`,
    "the maintenance guide keeps access logs 90 days",
  ],
  [
    "metrics under the guide",
    (c) => (c[L].metricsDays = 365),
    `${L}.metricsDays`,
    "the maintenance guide keeps metrics 2 years",
  ],
  [
    "security logs under the guide",
    (c) => (c[L].securityDays = 180),
    `${L}.securityDays`,
    "keeps security logs 1 year",
  ],
  ["retention as a string", (c) => (c[L].reportsDays = "731"), `${L}.reportsDays`, `"731" is a string`],
  ["retention not whole", (c) => (c[L].appDays = 30.5), `${L}.appDays`, "30.5 is not a whole number"],
  [
    "app URL not a URL",
    (c) => (c["elegance-ops:app"].url = "www.elegance-mobilite.fr"),
    "elegance-ops:app.url",
    "is not a URL",
  ],
  [
    "app URL over http",
    (c) => (c["elegance-ops:app"].url = "http://www.elegance-mobilite.fr"),
    "elegance-ops:app.url",
    "uses http; expected https",
  ],
  [
    "app URL with a path",
    (c) => (c["elegance-ops:app"].url = "https://www.elegance-mobilite.fr/fr?x=1"),
    "elegance-ops:app.url",
    "expected the origin only (https://www.elegance-mobilite.fr)",
  ],
  [
    "app name not a slug",
    (c) => (c["elegance-ops:app"].name = "Élégance Mobilité"),
    "elegance-ops:app.name",
    "lowercase letters, digits or hyphens",
  ],
  [
    "health path without /",
    (c) => (c["elegance-ops:app"].healthPath = "api/health"),
    "elegance-ops:app.healthPath",
    "a path starting with /",
  ],
  [
    "app as a plain word",
    (c) => (c["elegance-ops:app"] = "elegance"),
    "elegance-ops:app",
    `"elegance" is a string; expected an object with keys name, url, healthPath`,
  ],
  [
    "app not valid JSON",
    (c) => (c["elegance-ops:app"] = '{"name": "elegance-mobilite",'),
    "elegance-ops:app",
    "the value is not valid JSON; expected an object with keys name, url, healthPath",
  ],
  ["no contacts", (c) => (c[C] = []), C, "the value is empty; expected a non-empty list of contacts"],
  [
    "duplicate contact names",
    (c) => (c[C][2].name = "camille martin"),
    `${C}[2].name`,
    "is already the name of contacts[0]; contact names must be unique",
  ],
  ["no lead-dev", (c) => (c[C][0].role = "dba"), C, "has no contact with role lead-dev"],
  [
    "misspelt role",
    (c) => (c[C][0].role = "Lead Dev"),
    `${C}[0].role`,
    `"Lead Dev" is not allowed; expected one of lead-dev, dba, devops`,
  ],
  [
    "phone without country code",
    (c) => (c[C][1].phone = "06 12 34 56 78"),
    `${C}[1].phone`,
    "the secret value is not an E.164 phone number",
  ],
  [
    "bad e-mail",
    (c) => (c[C][1].email = "julien.moreau@"),
    `${C}[1].email`,
    "the secret value is not valid; expected an e-mail address",
  ],
  [
    "unknown contact key",
    (c) => (c[C][0].mobile = "x"),
    `${C}[0].mobile`,
    "unknown key; known keys are name, role, email, phone",
  ],
  [
    "missing database URL",
    (c) => delete c["elegance-ops:database"].url,
    "elegance-ops:database.url",
    `is missing: set it with  pulumi config set --secret --path 'database.url' '${SECRET_FIELDS[0].example}'`,
  ],
  [
    "missing contact phone",
    (c) => delete c[C][2].phone,
    `${C}[2].phone`,
    "is missing: set it with  pulumi config set --secret --path 'contacts[2].phone' '+33612345678'",
  ],
  [
    "database URL of another engine",
    (c) => (c["elegance-ops:database"].url = "mysql://app:pw@db.example.com/app"),
    "elegance-ops:database.url",
    "the secret value is not a postgres:// or postgresql:// URL",
  ],
  [
    "database URL without a database",
    (c) => (c["elegance-ops:database"].url = "postgresql://app:pw@db.example.com:5432"),
    "elegance-ops:database.url",
    "has no database name",
  ],
  [
    "Postgres 16",
    (c) => (c["elegance-ops:database"].postgresMajor = 16),
    "elegance-ops:database.postgresMajor",
    "16 is not allowed; expected 15 or 17",
  ],
  [
    "Postgres as a string",
    (c) => (c["elegance-ops:database"].postgresMajor = "15"),
    "elegance-ops:database.postgresMajor",
    `"15" is a string; expected 15 or 17`,
  ],
  [
    "unknown time zone",
    (c) => (c["elegance-ops:timezone"] = "Europe/Pariss"),
    "elegance-ops:timezone",
    "is not an IANA time zone",
  ],
  [
    "cron with 5 fields",
    (c) => (c[S].daily = "cron(0 7 * * ?)"),
    `${S}.daily`,
    "has 5 fields; EventBridge Scheduler cron has 6",
  ],
  [
    "cron without ?",
    (c) => (c[S].weekly = "cron(0 8 * * MON *)"),
    `${S}.weekly`,
    `sets both day-of-month and day-of-week; exactly one of them must be "?"`,
  ],
  [
    "cron with two ?",
    (c) => (c[S].monthly = "cron(0 3 ? * ? *)"),
    `${S}.monthly`,
    `has "?" in both day-of-month and day-of-week`,
  ],
  [
    "cron with a bad hour field",
    (c) => (c[S].daily = "cron(0 7h * * ? *)"),
    `${S}.daily`,
    `has an invalid hours field "7h"`,
  ],
  // Issue 19: these passed validation and failed only at `pulumi up`, or never ran.
  [
    "cron hour 25",
    (c) => (c[S].daily = "cron(0 25 * * ? *)"),
    `${S}.daily`,
    `has an invalid hours field "25": 25 is outside 0-23`,
  ],
  [
    "cron minute 61",
    (c) => (c[S].daily = "cron(61 7 * * ? *)"),
    `${S}.daily`,
    `has an invalid minutes field "61": 61 is outside 0-59`,
  ],
  [
    "cron on February 31st",
    (c) => (c[S].monthly = "cron(0 7 31 2 ? *)"),
    `${S}.monthly`,
    "never runs: no day 31 in FEB",
  ],
  [
    "cron day-of-week 8",
    (c) => (c[S].weekly = "cron(0 8 ? * 8 *)"),
    `${S}.weekly`,
    `has an invalid day-of-week field "8": 8 is outside 1-7`,
  ],
  ["cron backwards range", (c) => (c[S].daily = "cron(0 17-8 * * ? *)"), `${S}.daily`, "the range 17-8 runs backwards"],
  [
    "at() on a day that does not exist",
    (c) => (c[S].backupDrill = "at(2027-02-29T05:00:00)"),
    `${S}.backupDrill`,
    "names no real date and time",
  ],
  [
    "rate with singular plural",
    (c) => (c[S].healthProbe = "rate(5 minute)"),
    `${S}.healthProbe`,
    "must be written rate(5 minutes)",
  ],
  ["rate of zero", (c) => (c[S].healthProbe = "rate(0 minutes)"), `${S}.healthProbe`, "the rate must be at least 1"],
  [
    "schedule in words",
    (c) => (c[S].healthProbe = "every minute"),
    `${S}.healthProbe`,
    "is not an EventBridge Scheduler expression",
  ],
  [
    "p95 not below timeout",
    (c) => (c["elegance-ops:thresholds"].health.p95LatencyMs = 5000),
    "elegance-ops:thresholds.health.p95LatencyMs",
    "is not below thresholds.health.timeoutMs (5000)",
  ],
  [
    "timeout too short",
    (c) => (c["elegance-ops:thresholds"].health.timeoutMs = 50),
    "elegance-ops:thresholds.health.timeoutMs",
    "50 is too small; expected an integer number of milliseconds between 100 and 30000",
  ],
  [
    "lock longer than dailies",
    (c) => (c[B].objectLock.days = 40),
    `${B}.objectLock.days`,
    "is more than backups.retention.dailyDays (35); a daily backup stays locked that long, so the lifecycle rule could not expire it",
  ],
  [
    "lock mode in lowercase",
    (c) => (c[B].objectLock.mode = "governance"),
    `${B}.objectLock.mode`,
    "expected GOVERNANCE or COMPLIANCE",
  ],
  [
    "no object lock",
    (c) => delete c[B].objectLock,
    `${B}.objectLock`,
    "is missing; expected an object with keys mode, days",
  ],
  [
    "monthlies not longer than dailies",
    (c) => (c[B].retention.monthlyDays = 35),
    `${B}.retention.monthlyDays`,
    "is not more than backups.retention.dailyDays (35)",
  ],
  [
    "yearlies not longer than monthlies",
    (c) => (c[B].retention.yearlyDays = 300),
    `${B}.retention.yearlyDays`,
    "is not more than backups.retention.monthlyDays (365)",
  ],
  [
    "dailies under a week",
    (c) => (c[B].retention.dailyDays = 3),
    `${B}.retention.dailyDays`,
    "3 is too small; expected an integer number of days, 7 or more",
  ],
  [
    "bad vendor e-mail",
    (c) => (c["elegance-ops:vendors"].vercelSupport = "Vercel support"),
    "elegance-ops:vendors.vercelSupport",
    `"Vercel support" is not valid; expected an e-mail address`,
  ],
  [
    "unknown top-level key",
    (c) => (c["elegance-ops:logRetension"] = "{}"),
    "elegance-ops:logRetension",
    `unknown key; known keys are app, timezone, schedules, thresholds, checklists, paging, logRetention, backups, database, contacts, vendors, vercel`,
  ],
  [
    "unknown nested key",
    (c) => (c["elegance-ops:app"].healthpath = "/health"),
    "elegance-ops:app.healthpath",
    "unknown key; known keys are name, url, healthPath",
  ],
  [
    "region in the project namespace",
    (c) => (c["elegance-ops:region"] = "eu-west-3"),
    "elegance-ops:region",
    "the region is read from aws:region",
  ],
  [
    "missing region",
    (c) => delete c["aws:region"],
    "aws:region",
    "is missing: set it with  pulumi config set aws:region eu-west-3",
  ],
  [
    "region that is a city",
    (c) => (c["aws:region"] = "paris"),
    "aws:region",
    `"paris" is not valid; expected an AWS region code, e.g. eu-west-3`,
  ],
  [
    "level of a check that does not exist",
    (c) => (c["elegance-ops:checklists"] = { levels: { "daily.vacum": { fail: 3 } } }),
    "elegance-ops:checklists.levels.daily.vacum",
    "is not a check of any list; expected one of daily.app-logs, daily.app-health, daily.database-reachable",
  ],
  [
    "incident level 4",
    (c) => (c["elegance-ops:checklists"] = { levels: { "daily.app-health": { fail: 4 } } }),
    "elegance-ops:checklists.levels.daily.app-health.fail",
    "expected an incident level: 1 (< 4 h), 2 (< 1 h) or 3 (< 15 min)",
  ],
  [
    "misspelt role in a paging route",
    (c) => (c["elegance-ops:paging"] = { level2: { sms: ["lead-dev", "devop"] } }),
    "elegance-ops:paging.level2.sms[1]",
    `"devop" is not allowed; expected one of lead-dev, dba, devops`,
  ],
  [
    "uptime thresholds upside down",
    (c) => (c["elegance-ops:thresholds"] = { uptime: { warnBelowPercent: 99, failBelowPercent: 99.5 } }),
    "elegance-ops:thresholds.uptime.failBelowPercent",
    "expected failBelowPercent <= warnBelowPercent",
  ],
];

describe("an invalid config", () => {
  it.each(INVALID)("%s: one message naming the key", (_, edit, key, hint) => {
    const problems = problemsOf(edited(edit));
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`${key}: `) || problems[0].startsWith(`${key} is missing`)).toBe(true);
    expect(problems[0]).toContain(hint);
  });

  it("says exactly what the guide's example says for a CloudWatch-invalid retention", () => {
    expect(problemsOf(edited((c) => (c[L].appDays = 45)))).toEqual([
      `elegance-ops:logRetention.appDays: 45 is not a CloudWatch retention value; use one of ${CW}`,
    ]);
  });

  it("reports all its problems at once", () => {
    const error = (() => {
      try {
        parseStackConfig(
          edited((c) => {
            c[L].appDays = 45;
            c[B].maxAgeHours = "abc";
            c[B].objectLock.days = 40;
            c[C][0].role = "boss";
            c[C][1].phone = "12";
            c["elegance-ops:timezone"] = "Mars/Olympus";
            c["elegance-ops:vendors"] = "{oops";
            delete c["aws:region"];
          }),
        );
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error("the config was accepted");
    })();
    const keys = error.problems.map((p) => /^[^ ]+?(?=: | is missing)/.exec(p)?.[0]).sort();
    expect(keys).toEqual(
      [
        `${B}.maxAgeHours`,
        `${B}.objectLock.days`,
        `${C}[0].role`,
        `${C}[1].phone`,
        `${L}.appDays`,
        "aws:region",
        "elegance-ops:timezone",
        "elegance-ops:vendors",
      ].sort(),
    );
    expect(error.message).toBe(error.problems.join("\n"));
  });

  it("never repeats a secret value", () => {
    const leaks = ["leak-1@", "+0leak2", "leaky3://u:pw@h/db", "leak-4 postgresql://u:leak4@h/db"];
    const variants: Array<(c: Editable) => void> = [
      (c) => Object.assign(c[C][0], { email: leaks[0], phone: leaks[1] }),
      (c) => (c["elegance-ops:database"].url = leaks[2]),
      (c) => (c["elegance-ops:database"] = leaks[3]),
      (c) => (c[C][1] = leaks[3]),
      (c) => (c[C] = `[{"name": "x", "phone": "${leaks[1]}"`), // broken JSON around a secret
      (c) => (c[C][0].phone = { number: leaks[1] }),
    ];
    for (const variant of variants) {
      const problems = problemsOf(edited(variant));
      expect(problems.length).toBeGreaterThan(0);
      for (const leak of [...leaks, "leak4", "leak2"]) expect(problems.join("\n")).not.toContain(leak);
    }
  });
});

describe("loadStackConfig", () => {
  afterEach(() => pulumi.runtime.setAllConfig({}));

  it("reads pulumi.runtime.allConfig()", () => {
    pulumi.runtime.setAllConfig(validRaw());
    expect(loadStackConfig().app.name).toBe("elegance-mobilite");
  });

  it("throws a RunError listing every problem, so Pulumi prints no stack trace", () => {
    pulumi.runtime.setAllConfig(edited((c) => ((c[L].appDays = 45), delete c["aws:region"])));
    let error: unknown;
    try {
      loadStackConfig();
    } catch (e) {
      error = e;
    }
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/^Invalid stack config \(2 problems\):\n {2}- /);
    expect(message).toContain(`\n  - ${L}.appDays: 45 is not a CloudWatch retention value`);
    expect(message).toContain(`\n  - aws:region is missing`);
  });
});

it("reads its keys under the project's name in Pulumi.yaml (the config namespace)", () => {
  const project = /^name:\s*(\S+)/m.exec(readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8"))?.[1];
  expect(project).toBeDefined();
  expect(PROJECT).toBe(project);
});
