/** Loopback addresses a daemon or harness may bind without an operator token. */
const LOOPBACK_BIND = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|::1)$/;
/** Host names a browser can only reach on this machine. */
const LOOPBACK_HOST = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|[a-z0-9.-]+\.localhost|\[::1\])$/;

export function isLoopbackBind(address: string): boolean {
  return LOOPBACK_BIND.test(address);
}

/**
 * DNS-rebinding guard: a server bound to loopback answers only requests whose Host names a
 * loopback host (a page on evil.example re-resolved to 127.0.0.1 is same-origin with itself
 * and would pass an Origin check). Wider binds rely on tokens instead.
 */
export function hostAllowed(bind: string, hostHeader: string | undefined): boolean {
  if (!isLoopbackBind(bind)) return true;
  try {
    return LOOPBACK_HOST.test(new URL(`http://${hostHeader ?? ''}`).hostname);
  } catch {
    return false;
  }
}
