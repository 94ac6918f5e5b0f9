/** A room's join link on one of the server's origins (`http://host:port/`). Pure. */
export function joinUrl(origin: string, room: string): string {
  return `${origin.endsWith('/') ? origin : `${origin}/`}?room=${encodeURIComponent(room)}`;
}
