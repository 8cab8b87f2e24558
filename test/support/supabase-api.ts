// A fake of Supabase's Management API on loopback: the organization members endpoint the access
// review reads, behind a bearer token (401 otherwise, 404 for another organization).
import { startHttpServer, type TestServer } from "./http";

export interface FakeSupabaseMember {
  user_id: string;
  user_name: string;
  email?: string;
  role_name: "Owner" | "Administrator" | "Developer" | "Read-only";
  mfa_enabled: boolean;
}

export interface FakeSupabase {
  url: string;
  members: FakeSupabaseMember[];
  requests: TestServer["requests"];
  close(): Promise<void>;
}

export async function startSupabaseApi(options: { token: string; organization: string }): Promise<FakeSupabase> {
  const fake = { members: [] } as unknown as FakeSupabase;
  const server = await startHttpServer((req, res) => {
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.headers.authorization !== `Bearer ${options.token}`) return send(401, { message: "Unauthorized" });
    const m = (req.url ?? "").match(/^\/v1\/organizations\/([^/?]+)\/members$/);
    if (!m || req.method !== "GET") return send(404, { message: "Cannot GET " + req.url });
    if (m[1] !== options.organization) return send(404, { message: "Organization not found" });
    send(200, fake.members);
  });
  fake.url = server.url;
  fake.requests = server.requests;
  fake.close = server.close;
  return fake;
}
