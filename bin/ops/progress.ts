// Progress on stderr: one line redrawn in place on a terminal, a line each otherwise (logs, tests).
export function writeProgressLine(line: string): void {
  process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
}

/** Ends a redrawn line before the result is printed. */
export function endProgress(): void {
  if (process.stderr.isTTY) process.stderr.write("\n");
}
