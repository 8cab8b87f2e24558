// The database checks of the daily and weekly lists (ids = lambdas/checklist/catalog-database.ts).
import type { Check } from "../../core/check";
import { activityCheck } from "./activity";
import { constraintsCheck } from "./constraints";
import { indexesCheck } from "./indexes";
import { largeTablesCheck } from "./large-tables";
import { primaryKeysCheck } from "./primary-keys";
import { replicationSlotsCheck } from "./replication-slots";
import { vacuumCheck } from "./vacuum";
import { sequencesCheck, wraparoundCheck } from "./wraparound";

export { indexesToReindex } from "./indexes";

export const DATABASE_CHECKS: Check[] = [
  // Daily.
  vacuumCheck,
  wraparoundCheck,
  sequencesCheck,
  activityCheck,
  primaryKeysCheck,
  replicationSlotsCheck,
  // Weekly; large-tables compares with the latest weekly record in the logs bucket.
  largeTablesCheck(),
  indexesCheck,
  constraintsCheck,
];
