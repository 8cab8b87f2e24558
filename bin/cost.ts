// `npm run cost`: what the prod stack costs per month at list price in its region, priced from
// the synthesised plan (bin/synth.ts's mocks) with the Vercel log drain on, at the volumes of
// bin/cost-model.ts ASSUMPTIONS, with the price table cost/prices.<region>.json.
import Table from "cli-table3";
import { readFileSync } from "fs";
import * as path from "path";
import { parseStackConfig, rawConfigFromStackFile } from "../infra/config";
import { planProgram, type Plan } from "../infra/plan";
import { program } from "../infra/program";
import { phoneRouteTable } from "../infra/sms";
import { SMS_MAX_CHARS } from "../lambdas/paging/sms";
import {
  ASSUMPTIONS,
  customMetrics,
  estimate,
  type MetricSeries,
  totals,
  type CostItem,
  type PriceTable,
  type SmsPaging,
} from "./cost-model";

const ROOT = path.join(__dirname, "..");

/** The stack file's commented `elegance-ops:vercel` example: the estimate prices the drain the guide needs. */
export const VERCEL_EXAMPLE = {
  teamId: "elegance-mobilite",
  projectId: "elegance-mobilite",
  token: "placeholder-token-for-the-estimate",
  logDrain: {
    deliveryFormat: "ndjson",
    sources: ["lambda", "edge", "static", "build", "external", "firewall"],
    environments: ["production"],
    maxBodyBytes: 1048576,
  },
};

export async function costPlan(
  stackFile = path.join(ROOT, "Pulumi.prod.yaml"),
): Promise<{ plan: Plan; app: string; table: PriceTable; sms: SmsPaging }> {
  const raw = rawConfigFromStackFile(readFileSync(stackFile, "utf8"), true);
  raw["elegance-ops:vercel"] ??= JSON.stringify(VERCEL_EXAMPLE);
  const config = parseStackConfig(raw);
  const plan = await planProgram(() => program(config), raw);
  const file = path.join(ROOT, "cost", `prices.${config.region}.json`);
  const table = JSON.parse(readFileSync(file, "utf8")) as PriceTable;
  // Phones are secrets: each contact stands for a distinct number here.
  const contacts = config.contacts.map((c, i) => ({ role: c.role, phone: String(i) }));
  const numbers = phoneRouteTable(contacts, config.paging).levels["3"].length;
  return { plan, app: config.app.name, table, sms: { numbers, parts: smsParts(SMS_MAX_CHARS) } };
}

/** SMS parts of a GSM-7 text of `chars` septets: 160 fit one part, longer ones split into 153-septet parts. */
export const smsParts = (chars: number) => (chars <= 160 ? 1 : Math.ceil(chars / 153));

const usd = (n: number) => `$${n.toFixed(2)}`;
const qty = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : String(Number(n.toPrecision(3))));

export function render(items: CostItem[], table: PriceTable, metrics: MetricSeries[]): string {
  const t = new Table({
    head: ["service", "item", "quantity", "unit price", "list", "after free tier"],
    colAligns: ["left", "left", "right", "right", "right", "right"],
    style: { head: [], border: [], compact: true },
  });
  for (const i of items) {
    const p = table.prices[i.price];
    t.push([i.service, i.item, qty(i.quantity), `$${p.usd} / ${p.per}`.slice(0, 48), usd(i.usd), usd(i.usdAfterFree)]);
  }
  const { total, afterFree, largest } = totals(items);
  const a = ASSUMPTIONS;
  return [
    `Monthly estimate, ${table.region}, at list price (cost/prices.${table.region}.json: each price with its source and date; ` +
      `recalled without network access, so check them against AWS's pages before relying on a cent).`,
    `Assumptions: ${a.databaseGb} GB database (dumps ${a.dumpRatio * 100} % of it), ${a.vercelLogsGbPerDay} GB/day of Vercel logs (gzip ${a.logGzipRatio * 100} %, ${a.deliveryKiB} KiB deliveries), ` +
      `${a.smsPagesPerMonth} SMS and ${a.emailPagesPerMonth} e-mail pages a month; run times in bin/cost-model.ts.`,
    `Custom metrics, billed by the hour they are sent in ("${table.prices["cloudwatch.metric"].quote ?? ""}"): ` +
      `${metrics.map((m) => `${m.name} ${m.series} × ${Math.round(m.hours * 10) / 10} h`).join("; ")}.`,
    t.toString(),
    `Total: ${usd(total)} / month at list price, ${usd(afterFree)} after the always-free allowances.`,
    `Largest: ${largest.map((i) => `${i.service} ${i.item} ${usd(i.usdAfterFree)}`).join("; ")}.`,
  ].join("\n");
}

async function main(): Promise<void> {
  const { plan, app, table, sms } = await costPlan();
  process.stdout.write(`${render(estimate(plan, app, table, sms), table, customMetrics(plan, app))}\n`);
}

if (require.main === module) void main();
