// The guide's level-3 "mode maintenance": the Edge Config item `maintenance` that the app's
// middleware reads (true → every page but /api/health answers the 503 maintenance page).
// Flipping it is recorded under security/ in the logs bucket: who, when, why, from what to what.
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { LOG_PREFIXES, MAINTENANCE_ITEM } from "../core/contract";
import { VercelApi, VercelApiError } from "./api";

export { MAINTENANCE_ITEM };
export const MAINTENANCE_RECORDS_PREFIX = `${LOG_PREFIXES.security}maintenance/`;

/** The item's value: undefined when the Edge Config has no such item (the app then serves normally). */
export async function readMaintenance(api: VercelApi, edgeConfigId: string): Promise<boolean | undefined> {
  try {
    const item = await api.get<{ value?: unknown }>(
      `/v1/edge-config/${encodeURIComponent(edgeConfigId)}/item/${MAINTENANCE_ITEM}`,
    );
    return item.value === true;
  } catch (error) {
    // 404 is "no such item" only when the Edge Config itself exists; otherwise it is a wrong id.
    if (error instanceof VercelApiError && error.status === 404) {
      await api.get(`/v1/edge-config/${encodeURIComponent(edgeConfigId)}`);
      return undefined;
    }
    throw error;
  }
}

async function writeMaintenance(api: VercelApi, edgeConfigId: string, value: boolean): Promise<void> {
  await api.patch(`/v1/edge-config/${encodeURIComponent(edgeConfigId)}/items`, {
    items: [{ operation: "upsert", key: MAINTENANCE_ITEM, value }],
  });
}

export interface MaintenanceRecord {
  kind: "maintenance";
  action: "on" | "off";
  edgeConfigId: string;
  item: typeof MAINTENANCE_ITEM;
  by: string;
  at: string;
  reason?: string;
  /** The item before the change (null: there was no item). */
  previous: boolean | null;
  value: boolean;
}

export interface FlipResult {
  record: MaintenanceRecord;
  /** False when the flag already had the requested value: nothing was changed or recorded. */
  changed: boolean;
  /** Where the record was written, when changed. */
  recordKey?: string;
}

/** security/maintenance/YYYY/MM/DD/<timestamp>-<on|off>.json */
export function maintenanceRecordKey(at: Date, action: "on" | "off"): string {
  const iso = at.toISOString();
  return `${MAINTENANCE_RECORDS_PREFIX}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.replace(/:/g, "-")}-${action}.json`;
}

export interface FlipOptions {
  edgeConfigId: string;
  on: boolean;
  by: string;
  reason?: string;
  logsBucket: string;
  s3: S3Client;
  now?: () => Date;
}

/**
 * Sets the flag, reads it back, and records the change. `on` needs a reason. When the flag
 * already has the value nothing is written anywhere.
 */
export async function flipMaintenance(api: VercelApi, options: FlipOptions): Promise<FlipResult> {
  const reason = options.reason?.trim();
  if (options.on && !reason) throw new Error('maintenance on needs a reason (--reason "…")');
  const action = options.on ? "on" : "off";
  const previous = await readMaintenance(api, options.edgeConfigId);
  const at = (options.now ?? (() => new Date()))();
  const record: MaintenanceRecord = {
    kind: "maintenance",
    action,
    edgeConfigId: options.edgeConfigId,
    item: MAINTENANCE_ITEM,
    by: options.by,
    at: at.toISOString(),
    ...(reason ? { reason } : {}),
    previous: previous ?? null,
    value: options.on,
  };
  if (previous === options.on) return { record, changed: false };

  await writeMaintenance(api, options.edgeConfigId, options.on);
  const now = await readMaintenance(api, options.edgeConfigId);
  if (now !== options.on)
    throw new Error(
      `the Edge Config ${options.edgeConfigId} still says maintenance=${now} after the update to ${options.on}`,
    );

  const recordKey = maintenanceRecordKey(at, action);
  try {
    await options.s3.send(
      new PutObjectCommand({
        Bucket: options.logsBucket,
        Key: recordKey,
        Body: JSON.stringify(record, null, 2),
        ContentType: "application/json",
      }),
    );
  } catch (error) {
    throw new Error(
      `maintenance is now ${action}, but its record could not be written to s3://${options.logsBucket}/${recordKey}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { record, changed: true, recordKey };
}
