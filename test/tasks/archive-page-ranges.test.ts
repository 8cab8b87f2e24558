// Page ranges sized by time (archive-rides' batches): they cover every page once, in order,
// grow while batches run under the target, shrink back above it, and stay within their bounds.
import { pageRanges } from "../../lambdas/tasks/page-ranges";

/** The [from, to) pages of each range, feeding back `msOf(pages)` as each batch's duration. */
function walk(msOf: (pages: number) => number, pacing?: { targetMs: number; maxRows: number }) {
  const ranges = pageRanges("r", 10, 5_009, 100, 1_000, pacing);
  const spans: [number, number][] = [];
  for (let r = ranges.next(); !r.done;) {
    const [, from, to] = /'\((\d+),0\)'::tid AND r\.ctid < '\((\d+),0\)'/.exec(r.value)!.map(Number);
    spans.push([from, to]);
    r = ranges.next(msOf(to - from));
  }
  return spans;
}

describe("pageRanges", () => {
  it("without pacing: fixed ranges of batchSize rows, every page once", () => {
    const spans = walk(() => 1);
    expect(spans[0]).toEqual([10, 20]);
    expect(spans.every(([a, b]) => b - a === 10)).toBe(true);
    expect(spans.length).toBe(500);
  });

  it("paced: fast batches grow to at most maxRows, slow ones shrink, never below batchSize; no page skipped", () => {
    const pacing = { targetMs: 250, maxRows: 20_000 };
    // 1 ms per page: 10 pages (1,000 rows) take 10 ms, far under the target.
    const fast = walk((pages) => pages, pacing);
    const sizes = fast.map(([a, b]) => b - a);
    expect(sizes.slice(0, 5)).toEqual([10, 15, 22, 33, 49]);
    expect(Math.max(...sizes)).toBe(200); // maxRows / rows per page
    // 50 ms per page: every batch is over the target, so ranges stay at batchSize.
    expect(walk((pages) => pages * 50, pacing).every(([a, b]) => b - a === 10)).toBe(true);
    // Cheap up to 60 pages, 10 ms a page beyond: the range of 73 pages (730 ms) is followed by a third of it.
    const mixed = walk((pages) => (pages > 60 ? pages * 10 : pages), pacing);
    expect(mixed.map(([a, b]) => b - a).slice(0, 7)).toEqual([10, 15, 22, 33, 49, 73, 25]);
    for (const spans of [fast, mixed]) {
      expect(spans[0][0]).toBe(10);
      expect(spans[spans.length - 1][1]).toBeGreaterThan(5_009);
      for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBe(spans[i - 1][1]);
      expect(spans.length).toBeLessThanOrEqual(500); // ceil(rows / batchSize) stays an upper bound
    }
  });
});
