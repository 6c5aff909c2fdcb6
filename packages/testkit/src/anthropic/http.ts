/** HTTP plumbing of the scripted API: bodies in, JSON out, routes by path. */
import type http from 'node:http';
import zlib from 'node:zlib';
import type { RequestKind } from './types.js';

const MAX_BODY = 64 * 1024 * 1024;

/** The request body, decoded when the client compressed it (claude can gzip large requests). */
export async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error(`body over ${MAX_BODY} bytes`);
    parts.push(chunk as Buffer);
  }
  const raw = Buffer.concat(parts);
  switch ((req.headers['content-encoding'] ?? '').toLowerCase()) {
    case 'gzip':
      return zlib.gunzipSync(raw);
    case 'deflate':
      return zlib.inflateSync(raw);
    case 'br':
      return zlib.brotliDecompressSync(raw);
    default:
      return raw;
  }
}

const SECRET_HEADERS = new Set(['x-api-key', 'authorization']);

/** Headers as plain strings, credentials dropped so recordings are safe to print. */
export function recordHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (SECRET_HEADERS.has(k) || v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export function requestKind(method: string, path: string): RequestKind {
  const p = path.replace(/\/+$/, '') || '/';
  if (method === 'POST' && p === '/v1/messages') return 'messages';
  if (method === 'POST' && p === '/v1/messages/count_tokens') return 'count_tokens';
  if (method === 'GET' && /^\/v1\/models(\/[^/]+)?$/.test(p)) return 'models';
  // claude HEADs /api/hello to check connectivity unless CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC is set.
  if ((method === 'HEAD' || method === 'GET') && (p === '/' || p === '/v1' || p === '/api/hello')) return 'probe';
  return 'unknown';
}

/** Anthropic's error envelope. */
export const errorBody = (type: string, message: string) => ({ type: 'error', error: { type, message } });

export function sendJson(res: http.ServerResponse, status: number, json: unknown): void {
  const body = JSON.stringify(json);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
