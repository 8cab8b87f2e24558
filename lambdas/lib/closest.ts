// "Did you mean": the names closest to a mistyped one, by Levenshtein distance (a maintained
// package's, not one of our own), nearest first. Shared by the CLI and the restore's checks.
import { distance } from "fastest-levenshtein";

/** The `candidates` within `maxDistance` edits of `word`, nearest first (ties keep their order). */
export function closestNames(word: string, candidates: string[], maxDistance: number): string[] {
  return candidates
    .map((name, i) => ({ name, i, d: distance(word, name) }))
    .filter((x) => x.d <= maxDistance)
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map((x) => x.name);
}
