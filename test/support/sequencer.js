// Test files marked `// @slow` (a whole rehearsal, restores, servers that never answer) start
// first, so that no worker is left running one alone at the end. Jest's own order (by the last
// run's durations, else by file size) applies within each group: on a fresh clone it has no
// durations and would start a small, slow file last.
const Sequencer = require("@jest/test-sequencer").default;
const fs = require("node:fs");

const SLOW = /^\/\/ @slow\b/m;

class SlowFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const slow = new Set(sorted.filter((t) => SLOW.test(fs.readFileSync(t.path, "utf8").slice(0, 2000))));
    return [...sorted.filter((t) => slow.has(t)), ...sorted.filter((t) => !slow.has(t))];
  }
}

module.exports = SlowFirst;
