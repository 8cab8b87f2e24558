// Reads what a function printed in CloudWatch Embedded Metric Format, as CloudWatch would.
export interface EmfRecord {
  namespace: string;
  dimensions: Record<string, string>;
  metrics: Record<string, number>;
  units: Record<string, string>;
}

/** Runs `fn` and returns the EMF records it wrote to stdout, parsed. */
export async function captureEmf<T>(fn: () => Promise<T>): Promise<{ result: T; records: EmfRecord[] }> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    return true;
  });
  try {
    const result = await fn();
    return { result, records: lines.flatMap(parseEmf) };
  } finally {
    spy.mockRestore();
  }
}

function parseEmf(line: string): EmfRecord[] {
  let json: any;
  try {
    json = JSON.parse(line);
  } catch {
    return [];
  }
  const meta = json?._aws?.CloudWatchMetrics?.[0];
  if (!meta) return [];
  const dimensionNames: string[] = meta.Dimensions[0] ?? [];
  return [
    {
      namespace: meta.Namespace,
      dimensions: Object.fromEntries(dimensionNames.map((d) => [d, json[d]])),
      metrics: Object.fromEntries(meta.Metrics.map((m: { Name: string }) => [m.Name, json[m.Name]])),
      units: Object.fromEntries(meta.Metrics.map((m: { Name: string; Unit: string }) => [m.Name, m.Unit])),
    },
  ];
}
