// The database checks' catalogue entries, spread into the lists of catalog.ts.
import type { CatalogEntry } from "./catalog";

export const DATABASE_DAILY: CatalogEntry[] = [];
export const DATABASE_WEEKLY: CatalogEntry[] = [];
