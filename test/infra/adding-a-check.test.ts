// "Adding a check touches two files": its code and its catalogue entry. Registered here as a
// new entry of the weekly list, its declared needs reach the Lambda's environment and IAM in the
// plan, and the CLI's required flags, with nothing else edited.
import { CHECKLISTS, type CatalogEntry } from "../../lambdas/checklist/catalog";
import type { Check } from "../../lambdas/core/check";
import { requiredInputs, runList } from "../../bin/ops/checklist-run";
import { find, planStack, type Plan } from "../support/pulumi";

const EXAMPLE: Check = {
  id: "example-backup-sizes",
  title: "Example",
  run: async () => ({ status: "ok", summary: "fine" }),
};
const ENTRY: CatalogEntry = {
  id: EXAMPLE.id,
  title: "Exemple : tailles des backups",
  guide: "Vérifications hebdomadaires › exemple",
  domain: "backups",
  levels: { warn: 1, fail: 2 },
  runbook: ["Lire le détail"],
  needs: {
    inputs: ["backupsBucket"],
    settings: ["backupThresholds"],
    readsBackups: true,
    logs: { write: ["reports/example/"] },
  },
  check: async () => EXAMPLE,
};

const weekly = CHECKLISTS.weekly as CatalogEntry[];
const statements = (plan: Plan) =>
  JSON.parse(find(plan, "aws:iam/rolePolicy:RolePolicy", "elegance-mobilite-weekly-checklist-policy").inputs.policy)
    .Statement as {
    Sid: string;
    Action: string | string[];
    Resource: string | string[];
  }[];
const env = (plan: Plan) =>
  find(plan, "aws:lambda/function:Function", "elegance-mobilite-weekly-checklist").inputs.environment.variables;

describe("a new catalogue entry", () => {
  let before: Plan;
  let after: Plan;
  beforeAll(async () => {
    before = await planStack();
    weekly.push(ENTRY);
    after = await planStack();
  });
  afterAll(() => void weekly.splice(weekly.indexOf(ENTRY), 1));

  it("gives the list's function the variables of its inputs and settings", () => {
    expect(env(before)).not.toHaveProperty("BACKUPS_BUCKET");
    expect(env(after).BACKUPS_BUCKET).toMatch(/^elegance-mobilite-backups-/);
    expect(JSON.parse(env(after).BACKUP_THRESHOLDS)).toMatchObject({ maxAgeHours: 26 });
  });

  it("grants exactly what it declares: reading the backups, writing its own prefix", () => {
    const bySid = Object.fromEntries(statements(after).map((s) => [s.Sid, s]));
    expect(statements(before).some((s) => s.Sid === "ReadBackups")).toBe(false);
    expect(bySid.ReadBackups).toMatchObject({ Action: "s3:GetObject" });
    expect(bySid.ListBackups).toMatchObject({ Action: "s3:ListBucket" });
    expect(bySid.WriteLogs.Resource).toContainEqual(expect.stringMatching(/logs-\w+\/reports\/example\/\*$/));
    expect(bySid.WriteLogs.Resource).toContainEqual(
      expect.stringMatching(/logs-\w+\/reports\/checklists\/weekly\/\*$/),
    );
  });

  it("makes the CLI ask for its input, naming the flag and the variable", async () => {
    expect(requiredInputs("weekly")).toContain("backupsBucket");
    await expect(
      runList(
        "weekly",
        { stackFile: "Pulumi.prod.yaml" },
        { DATABASE_URL: "postgresql://u:p@127.0.0.1:1/db", LOGS_BUCKET: "logs" },
      ),
    ).rejects.toThrow("missing --backups-bucket (or the BACKUPS_BUCKET environment variable)");
  });
});
