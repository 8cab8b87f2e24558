// How every benchmark measures, so its ratios can be trusted: the machine's load and cores
// printed before and after (a ratio measured under load flatters the side using more cores),
// the two sides run alternately (ours, baseline, ours, baseline, …) so drift hits both, and
// each side's median and spread printed, not one lucky run.
import * as os from "node:os";

export interface MachineState {
  cores: number;
  load1: number;
  load5: number;
}

export function machineState(): MachineState {
  const [load1, load5] = os.loadavg();
  return { cores: os.availableParallelism(), load1, load5 };
}

/** `load average 0.12 / 0.30 (1 / 5 min) on 2 cores`, and a warning when the machine is busy. */
export function describeMachine(when: "before" | "after", state = machineState()): string {
  const line = `machine ${when}: load average ${state.load1.toFixed(2)} / ${state.load5.toFixed(2)} (1 / 5 min) on ${state.cores} cores`;
  const busy = when === "before" && state.load1 > 0.5 * state.cores;
  return busy
    ? `${line}\n  WARNING: the 1-minute load is above 0.5 × cores: ratios measured now are not to be quoted`
    : line;
}

export interface Samples {
  values: number[];
  median: number;
  min: number;
  max: number;
  /** (max - min) / median, e.g. 0.04 for ±2 %. */
  spread: number;
}

export function samples(values: number[]): Samples {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  return { values, median, min, max, spread: median ? (max - min) / median : 0 };
}

/** `median 1.23 s (min 1.20, max 1.31, spread 9 %, n=3)` */
export function describeSamples(s: Samples, unit: string, digits = 2): string {
  const f = (n: number) => n.toFixed(digits);
  return `median ${f(s.median)} ${unit} (min ${f(s.min)}, max ${f(s.max)}, spread ${Math.round(s.spread * 100)} %, n=${s.values.length})`;
}

export interface Side<T> {
  name: string;
  /** One run; returns what the benchmark reads from it (its own timings, counts, …). */
  run(round: number): Promise<T>;
}

/**
 * Runs `ours` and `baseline` alternately, `rounds` times each (ours first), with `prepare`
 * before every run (e.g. a fresh copy of the data, not timed). Returns every run's result.
 */
export async function alternate<A, B>(
  rounds: number,
  ours: Side<A>,
  baseline: Side<B>,
  prepare: (side: "ours" | "baseline", round: number) => Promise<void> = async () => undefined,
  log: (line: string) => void = (line) => console.log(line),
): Promise<{ ours: A[]; baseline: B[] }> {
  const result: { ours: A[]; baseline: B[] } = { ours: [], baseline: [] };
  for (let round = 0; round < rounds; round++) {
    await prepare("ours", round);
    result.ours.push(await ours.run(round));
    log(`  round ${round + 1}/${rounds}: ${ours.name} done`);
    await prepare("baseline", round);
    result.baseline.push(await baseline.run(round));
    log(`  round ${round + 1}/${rounds}: ${baseline.name} done`);
  }
  return result;
}

/** Rounds per side: BENCH_ROUNDS, default 3. */
export const benchRounds = (): number => Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3) || 3);
