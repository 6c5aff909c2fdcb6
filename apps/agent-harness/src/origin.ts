/** True when `origin` (an Origin header) is the page's own origin for this Host header. */
export function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const o = new URL(origin);
    return (o.protocol === 'http:' || o.protocol === 'https:') && o.host === host.toLowerCase();
  } catch {
    return false;
  }
}
