// Bundles are deterministic: same sources, same bytes, same hash; nothing of this machine inside.
import { bundle, REPO_ROOT, zipBundle } from "../../infra/bundle";
import { createHash } from "node:crypto";

const HANDLERS = ["daily-checklist", "weekly-checklist", "monthly-checklist", "health-probe"];
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("bundle", () => {
  it.each(HANDLERS)("%s: bundling twice gives the same files, hash and zip bytes", (handler) => {
    const first = bundle(handler, { metafile: false });
    // A different options key bypasses the cache, so esbuild really runs twice.
    const second = bundle(handler, { metafile: false, logLevel: "error" });
    expect(second).not.toBe(first);
    expect(second.sha256).toBe(first.sha256);
    expect(second.files).toEqual(first.files);
    expect(sha(zipBundle(second.files))).toBe(sha(zipBundle(first.files)));
  });

  it("holds no absolute path of the checkout, and maps to the sources by relative path", () => {
    const { files } = bundle("daily-checklist");
    expect(files["index.js"]).not.toContain(REPO_ROOT);
    expect(files["index.js.map"]).not.toContain(REPO_ROOT);
    expect(files["index.js"].endsWith("//# sourceMappingURL=index.js.map\n")).toBe(true);
    expect(JSON.parse(files["index.js.map"]).sources).toContain("../lambdas/handlers/daily-checklist.ts");
  });
});
