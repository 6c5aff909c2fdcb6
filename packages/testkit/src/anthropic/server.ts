/** A scripted Anthropic Messages API on 127.0.0.1 that the real claude CLI can talk to. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScriptedApiTimeoutError } from '../errors.js';
import { readConversation } from './conversation.js';
import { buildMessage, sseFrame, streamEvents } from './message.js';
import { RuleBook } from './rules.js';
import { readBody, recordHeaders, requestKind, sendJson, errorBody } from './http.js';
import type { RecordedRequest, Reply, ReplyContext, Scenario } from './types.js';

export interface ScriptedApi {
  /** Base URL for `ANTHROPIC_BASE_URL`, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Every request in order of arrival, whatever its path. */
  requests: RecordedRequest[];
  /** Only the `POST /v1/messages` calls. */
  messages(): RecordedRequest[];
  /** Swaps the scenario (fired counts start over) for the requests that follow. */
  setScenario(scenario: Scenario): void;
  /** Resolves with the Messages calls once there are at least `n`; rejects with ScriptedApiTimeoutError after `timeoutMs`. */
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

// A handful of names so a model probe sees the models tests ask for.
const MODELS = ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5'];

/** Starts the server on an ephemeral loopback port. */
export async function startScriptedApi(scenario: Scenario): Promise<ScriptedApi> {
  let book = new RuleBook(scenario);
  let toolIds = 0;
  let msgIds = 0;
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();
  const messages = () => requests.filter((r) => r.kind === 'messages');

  const answerMessages = (rec: RecordedRequest, res: http.ServerResponse): void => {
    const picked = book.pick(rec);
    rec.ruleIndex = picked?.index ?? null;
    const ctx: ReplyContext = { lastToolResult: rec.lastToolResult, lastUserText: rec.lastUserText, request: rec };
    let reply: Reply;
    let msg;
    try {
      const r = picked ? picked.rule.reply : book.fallback;
      reply = typeof r === 'function' ? r(ctx) : r;
      if ('error' in reply) {
        rec.status = reply.error.status;
        return sendJson(res, reply.error.status, errorBody(reply.error.type, reply.error.message));
      }
      const id = `msg_scripted_${++msgIds}`;
      msg = buildMessage(reply, { id, model: rec.model ?? 'unknown', usage: book.usage, ctx, nextToolId: () => `toolu_scripted_${++toolIds}` });
    } catch (err) {
      // A broken scenario shows up as the CLI's API error, with the reason, instead of a hung test.
      rec.status = 500;
      return sendJson(res, 500, errorBody('api_error', `scripted reply threw: ${(err as Error).message}`));
    }
    rec.status = 200;
    if (!rec.stream) return sendJson(res, 200, msg);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_scripted_${rec.seq}` });
    for (const e of streamEvents(msg)) res.write(sseFrame(e));
    res.end();
  };

  const server = http.createServer((req, res) => {
    readBody(req).then(
      (raw) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        let body: unknown;
        try {
          body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
        } catch {
          body = undefined;
        }
        const kind = requestKind(req.method ?? 'GET', url.pathname);
        const rec: RecordedRequest = {
          seq: requests.length,
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.search,
          kind,
          headers: recordHeaders(req.headers),
          body,
          ...readConversation(body),
          ruleIndex: null,
          status: 0,
        };
        requests.push(rec);
        route(rec, res);
        for (const w of waiters) w();
      },
      (err: Error) => sendJson(res, 400, errorBody('invalid_request_error', `unreadable body: ${err.message}`)),
    );
  });

  const route = (rec: RecordedRequest, res: http.ServerResponse): void => {
    const reply = (status: number, json: unknown) => {
      rec.status = status;
      sendJson(res, status, json);
    };
    switch (rec.kind) {
      case 'messages':
        if (rec.body === undefined) return reply(400, errorBody('invalid_request_error', 'body must be a JSON Messages request'));
        return answerMessages(rec, res);
      case 'count_tokens':
        // Deterministic and roughly proportional to the request, like the real count.
        return reply(200, { input_tokens: Math.ceil(JSON.stringify(rec.body ?? {}).length / 4) });
      case 'models': {
        const id = rec.path.split('/')[3];
        const model = (m: string) => ({ type: 'model', id: m, display_name: m, created_at: '2025-01-01T00:00:00Z' });
        if (id) return reply(200, model(decodeURIComponent(id)));
        return reply(200, { data: MODELS.map(model), has_more: false, first_id: MODELS[0], last_id: MODELS.at(-1) });
      }
      case 'probe':
        rec.status = 200;
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(rec.method === 'HEAD' ? undefined : '{}');
      default:
        return reply(404, errorBody('not_found_error', `${rec.method} ${rec.path} is not scripted`));
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messages,
    setScenario(s) {
      book = new RuleBook(s);
    },
    waitForRequests(n, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages().length < n) return;
          cleanup();
          resolve(messages());
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new ScriptedApiTimeoutError(n, messages().length, timeoutMs));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // claude keeps connections alive; without this close() waits for its idle timeout.
        server.closeAllConnections();
      });
    },
  };
}
