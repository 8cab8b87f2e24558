// URLs in messages: a database URL is printed with its password masked, never as given.

/** `postgresql://user:secret@host/db` → `postgresql://user:***@host/db`. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<unparseable database URL>";
  }
}
