// Progress on stderr: one line redrawn in place on a terminal, a line each otherwise (logs, tests).
let open = false;

export function writeProgressLine(line: string): void {
  if (process.stderr.isTTY) {
    process.stderr.write(`\r${line}\x1b[K`);
    open = true;
  } else {
    process.stderr.write(`${line}\n`);
  }
}

/** Ends a redrawn line before the result is printed; nothing when none is open. */
export function endProgress(): void {
  if (open) process.stderr.write("\n");
  open = false;
}
