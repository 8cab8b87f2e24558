// The database checks of the daily and weekly lists (filled by the database-checks work).
import type { Check } from "../../checklist/types";

export const DATABASE_CHECKS: Check[] = [];
