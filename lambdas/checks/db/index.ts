// The database checks of the daily and weekly lists.
import type { Check } from "../../checklist/types";
import { createS3Client } from "../../lib/s3";
import { activityCheck } from "./activity";
import { indexesCheck } from "./indexes";
import { largeTablesCheck, previousSizesFromRecords } from "./large-tables";
import { primaryKeysCheck } from "./primary-keys";
import { vacuumCheck } from "./vacuum";
import { sequencesCheck, wraparoundCheck } from "./wraparound";

let s3: ReturnType<typeof createS3Client> | undefined;
const sharedS3 = () => (s3 ??= createS3Client());

export const DATABASE_CHECKS: Check[] = [
  vacuumCheck,
  wraparoundCheck,
  sequencesCheck,
  activityCheck,
  primaryKeysCheck,
  largeTablesCheck(({ logsBucket }) => previousSizesFromRecords(sharedS3, () => logsBucket)),
  indexesCheck,
];
