// What every command prints on stdout: with --json the value as JSON (for scripts and jq),
// otherwise the text for a person. Progress and incidents go to stderr, never here.
import { endProgress } from "./progress";

/** The text may be a function: tables are only rendered when they are printed. */
export function print(options: Record<string, unknown>, value: unknown, text: string | (() => string)): void {
  // A progress line redrawn in place on a terminal is ended before the result.
  endProgress();
  if (options.json) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const body = typeof text === "function" ? text() : text;
  process.stdout.write(body.endsWith("\n") ? body : `${body}\n`);
}
