// Opens a report page in Debian's headless Chromium (playwright-core drives it), with every
// request other than the file itself aborted and recorded, and reads what a person would see.
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface OpenedPage {
  consoleErrors: string[];
  blockedRequests: string[];
  /** Each chart's figure: whether it is an <svg>, and how many data marks (vega's role-mark items) it draws. */
  charts: { id: string; svg: boolean; marks: number }[];
  text: string;
  /** Whether the page is wider than a 390 px phone screen outside the scroll boxes. */
  phoneOverflow: boolean;
  close(): Promise<void>;
}

export async function openOffline(file: string, screenshot: string): Promise<OpenedPage> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ARGS,
    timeout: 30_000,
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, offline: true });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const consoleErrors: string[] = [];
    const blockedRequests: string[] = [];
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      blockedRequests.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    const charts = await page.$$eval("figure[id^=chart-]", (figures) =>
      figures.map((f) => ({
        id: f.id,
        svg: f.querySelector("svg") !== null,
        marks: f.querySelectorAll("svg g.role-mark > path, svg g.role-mark > line").length,
      })),
    );
    const text = await page.innerText("body");
    await page.screenshot({ path: screenshot, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const phoneOverflow = await page.evaluate<boolean>("document.documentElement.scrollWidth > window.innerWidth + 1");
    await page.screenshot({ path: screenshot.replace(/\.png$/, "-phone.png"), fullPage: true });
    return { consoleErrors, blockedRequests, charts, text, phoneOverflow, close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
