// Node.js's release schedule as data: when each major starts, becomes LTS, enters maintenance
// and reaches end of life. Copied from the Node.js Release working group's schedule.json
// (github.com/nodejs/Release, schedule.json, revision of 2026-07-02); the monthly check warns
// once this copy is over 6 months old: update the entries and NODE_SCHEDULE_AS_OF then.

export const NODE_SCHEDULE_SOURCE = "https://github.com/nodejs/Release/blob/main/schedule.json";
export const NODE_SCHEDULE_AS_OF = "2026-07-02";

export interface NodeRelease {
  start: string;
  lts?: string;
  maintenance: string;
  end: string;
}

export const NODE_SCHEDULE: Record<number, NodeRelease> = {
  18: { start: "2022-04-19", lts: "2022-10-25", maintenance: "2023-10-18", end: "2025-04-30" },
  20: { start: "2023-04-18", lts: "2023-10-24", maintenance: "2024-10-22", end: "2026-04-30" },
  22: { start: "2024-04-24", lts: "2024-10-29", maintenance: "2025-10-21", end: "2027-04-30" },
  23: { start: "2024-10-16", maintenance: "2025-04-01", end: "2025-06-01" },
  24: { start: "2025-05-06", lts: "2025-10-28", maintenance: "2026-10-20", end: "2028-04-30" },
  25: { start: "2025-10-15", maintenance: "2026-04-01", end: "2026-06-01" },
  26: { start: "2026-05-05", lts: "2026-10-28", maintenance: "2027-10-20", end: "2029-04-30" },
  27: { start: "2027-04-22", maintenance: "2027-10-20", end: "2030-04-30" },
};

export type NodePhase = "current" | "active LTS" | "maintenance LTS" | "maintenance" | "end of life" | "unknown";

export interface NodeStatus {
  major: number;
  phase: NodePhase;
  end?: string;
  daysLeft?: number;
  /** The newest major in active LTS on that day: what `nvm install lts/*` installs. */
  activeLts?: number;
}

const DAY_MS = 86_400_000;

export function nodeStatus(
  major: number,
  today: string,
  schedule: Record<number, NodeRelease> = NODE_SCHEDULE,
): NodeStatus {
  const activeLts = Object.entries(schedule)
    .filter(([, r]) => r.lts && r.lts <= today && today < r.maintenance)
    .map(([m]) => Number(m))
    .sort((a, b) => b - a)[0];
  const r = schedule[major];
  if (!r) return { major, phase: "unknown", activeLts };
  const daysLeft = Math.floor((Date.parse(r.end) - Date.parse(today)) / DAY_MS);
  const phase: NodePhase =
    today >= r.end
      ? "end of life"
      : today >= r.maintenance
        ? r.lts
          ? "maintenance LTS"
          : "maintenance"
        : r.lts && today >= r.lts
          ? "active LTS"
          : "current";
  return { major, phase, end: r.end, daysLeft, activeLts };
}

/** Days since the schedule was copied. */
export const scheduleAgeDays = (today: string): number =>
  Math.floor((Date.parse(today) - Date.parse(NODE_SCHEDULE_AS_OF)) / DAY_MS);
