// Which code runs each check of the catalogue. Every catalogue entry has an implementation
// here and nothing else does (tested), so a list never holds a check that does not exist.
import { createS3Client } from "../lib/s3";
import { appHealth } from "../checks/app-health";
import { appLogsCheck } from "../checks/app-logs";
import { backupDrillCheck } from "../checks/backup-drill";
import { backupsCheck } from "../checks/backups";
import { checklistFreshness } from "../checks/checklist-freshness";
import { databaseReachable } from "../checks/database-reachable";
import { lambdaRuntime } from "../checks/lambda-runtime";
import { uptimeCheck } from "../checks/uptime";
import { DATABASE_CHECKS } from "../checks/db";
import { MONTHLY_TASKS, WEEKLY_TASKS } from "../tasks";
import { CHECKLISTS, ChecklistName } from "./catalog";
import type { Check } from "../core/check";

let s3: ReturnType<typeof createS3Client> | undefined;
const sharedS3 = () => (s3 ??= createS3Client());

export const IMPLEMENTATIONS: Record<string, Check> = Object.fromEntries(
  [appLogsCheck(sharedS3), appHealth, databaseReachable, checklistFreshness(sharedS3), backupsCheck(sharedS3), backupDrillCheck(sharedS3), uptimeCheck(), lambdaRuntime, ...DATABASE_CHECKS, ...MONTHLY_TASKS, ...WEEKLY_TASKS].map((c) => [c.id, c]),
);

export function checksOf(list: ChecklistName): Check[] {
  return CHECKLISTS[list].map((entry) => {
    const check = IMPLEMENTATIONS[entry.id];
    if (!check) throw new Error(`check ${list}.${entry.id} is in the catalogue but has no implementation`);
    return check;
  });
}
