import { Hono } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import { setCookie, deleteCookie } from 'hono/cookie';
import {
  ActivityBody,
  AnswerBody,
  LoginBody,
  TurnReportBody,
  AskOperatorBody,
  DenyBody,
  FreezeBody,
  RollbackBody,
  RequestApplyCommitBody,
  RequestInitConfigBody,
  SendMessageBody,
  SpawnBody,
} from '@hive/protocol';
import type { Hive } from '../core/hive.js';
import { BadRequestError, RouteNotFoundError, UnauthorizedError, bearer, bodyCap, csrfGuard, hostGuard, intParam, jsonBody } from '@hive/http-edge';
import { ApprovalNotFoundError } from '../errors.js';
import { errorResponse } from './http-errors.js';
import { operatorAuth, SESSION_COOKIE, type AuthEnv } from './auth.js';
import { audited, bodyField } from './audit.js';
import { agentPages } from './agent-pages.js';
import type { TurnLease } from '../core/turn-slots.js';

type Env = AuthEnv;

const MAX_BODY_BYTES = 256 * 1024;

/** Body-less mutations take an empty body or `{}`: anything else (malformed, an array, `{"purge":true}`) is a confused client. */
const NoBody = z.object({}).strict();

/** The daemon's HTTP API (SPEC §8). Pure routing: the Hive does the work. */
export function createApi(hive: Hive, log: Logger, o: { agentPageDir?: string } = {}) {
  const app = new Hono<Env>();
  const { config } = hive.ctx;
  app.onError((err, c) => errorResponse(c, err, log));
  app.notFound((c) => errorResponse(c, new RouteNotFoundError(c.req.method, new URL(c.req.url).pathname), log));

  app.use('*', hostGuard(config.bind, 'reach the daemon as 127.0.0.1 or localhost'));
  // The largest legal body (a 32,000-character message) is far below this; anything bigger is refused.
  app.use('/api/*', bodyCap(MAX_BODY_BYTES));
  app.use('/agents/*', bodyCap(MAX_BODY_BYTES));
  app.use('/api/*', csrfGuard());

  // ── agent API: each agent authenticates with its own token ──
  const agentApi = new Hono<Env>();
  agentApi.use('*', async (c, next) => {
    const agent = hive.ctx.tokens.agentFor(bearer(c.req.header('authorization')));
    if (!agent) throw new UnauthorizedError('agent token required: send Authorization: Bearer <state/<n>/token>');
    c.set('agent', agent);
    c.set('actor', `agent:${agent}`);
    await next();
  });
  agentApi.use(
    '*',
    audited(hive.ctx.store, async (c) => {
      const call = c.req.path.split('/').pop();
      // Bookkeeping the harness sends on every turn is not a decision.
      if (call === 'activity' || call === 'turn_report' || call === 'turn_slot') return null;
      return {
      action: `agent.${call}`,
      target: (await bodyField(c, 'name')) ?? (await bodyField(c, 'to')),
      };
    }),
  );
  agentApi.post('/request_init_config', async (c) => {
    const b = await jsonBody(c, RequestInitConfigBody);
    return c.json(await hive.requestInitConfig(c.get('agent'), b.name));
  });
  agentApi.post('/request_apply_commit', async (c) => {
    const b = await jsonBody(c, RequestApplyCommitBody);
    return c.json(await hive.requestApplyCommit(c.get('agent'), b.name, b.sha));
  });
  agentApi.post('/ask_operator', async (c) => c.json(hive.askOperator(c.get('agent'), (await jsonBody(c, AskOperatorBody)).question)));
  agentApi.post('/send_message', async (c) => {
    const b = await jsonBody(c, SendMessageBody);
    return c.json(hive.sendMessage(c.get('agent'), b.to, b.text));
  });
  agentApi.post('/turn_report', async (c) => {
    hive.usage.recordTurn(c.get('agent'), await jsonBody(c, TurnReportBody));
    return c.json({ ok: true });
  });
  agentApi.post('/activity', async (c) => {
    hive.usage.setActivity(c.get('agent'), await jsonBody(c, ActivityBody));
    return c.json({ ok: true });
  });
  // A turn slot (issue 15): the answer is an NDJSON stream that stays open while the turn holds
  // the slot: `{queued}` when it must wait, `{granted}`, then heartbeats. The connection is the
  // lease, so a harness killed mid-turn frees its slot when the kernel closes its socket.
  const { turnSlots } = hive.ctx;
  agentApi.post('/turn_slot', async (c) => {
    await jsonBody(c, NoBody);
    const agent = c.get('agent');
    const gone = c.req.raw.signal;
    const bytes = (o: object) => new TextEncoder().encode(JSON.stringify(o) + '\n');
    let lease: TurnLease | null = null;
    let beat: NodeJS.Timeout | undefined;
    const end = () => {
      clearInterval(beat);
      lease?.release();
    };
    const body = new ReadableStream<Uint8Array>({
      start(out) {
        gone.addEventListener('abort', end, { once: true });
        if (turnSlots.wouldWait(agent)) out.enqueue(bytes({ queued: true, position: turnSlots.waiting.length + 1, max: turnSlots.max }));
        turnSlots.acquire(agent, gone).then(
          (l) => {
            lease = l;
            if (gone.aborted) return end();
            out.enqueue(bytes({ granted: true, max: turnSlots.max }));
            // undici drops a body silent for 300 s: a long turn must not lose its slot to that.
            beat = setInterval(() => {
              try {
                out.enqueue(bytes({ beat: true }));
              } catch {
                end();
              }
            }, 30_000);
          },
          () => {}, // the harness went away while queued: it left the queue
        );
      },
      cancel: end,
    });
    return c.body(body, 200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  });
  app.route('/api/agent', agentApi);

  // ── operator API ──
  // ── the operator's login: the token (from the link hive up prints) for a session cookie ──
  app.get('/api/health', (c) => c.json({ ok: true }));
  app.post(
    '/api/login',
    audited(hive.ctx.store, () => ({ action: 'login' })),
    async (c) => {
      const { token } = await jsonBody(c, LoginBody);
      if (!hive.ctx.operator.checkToken(token)) throw new UnauthorizedError('wrong operator token: use the login link hive up printed, or <state>/operator-token');
      c.set('actor', 'operator:session');
      const s = hive.ctx.operator.newSession();
      setCookie(c, SESSION_COOKIE, s.value, { httpOnly: true, sameSite: 'Strict', path: '/', maxAge: s.maxAge });
      return c.json({ ok: true });
    },
  );
  app.post('/api/logout', (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  });

  const op = new Hono<Env>();
  op.use(
    '*',
    audited(hive.ctx.store, async (c) => {
      if (c.req.method === 'GET') return null;
      const p = c.req.path.replace(/^\/api/, '');
      let m: RegExpExecArray | null;
      if (p === '/agents') return { action: 'spawn', target: await bodyField(c, 'name') };
      if ((m = /^\/agents\/([^/]+)\/rebuild$/.exec(p))) return { action: 'rebuild', target: m[1] };
      if ((m = /^\/agents\/([^/]+)\/rollback$/.exec(p))) return { action: 'rollback', target: m[1], detail: (await bodyField(c, 'to')) ?? null };
      if (p === '/freeze') return { action: 'freeze', detail: await bodyField(c, 'reason') };
      if ((m = /^\/agents\/([^/]+)$/.exec(p)) && c.req.method === 'DELETE') return { action: c.req.query('purge') ? 'destroy --purge' : 'destroy', target: m[1] };
      if ((m = /^\/approvals\/([^/]+)\/(approve|deny)$/.exec(p))) return { action: m[2]!, target: `approval ${m[1]}`, detail: m[2] === 'deny' ? await bodyField(c, 'reason') : null };
      if ((m = /^\/questions\/([^/]+)\/answer$/.exec(p))) return { action: 'answer', target: `question ${m[1]}` };
      return { action: p.slice(1) };
    }),
  );
  // After the audit, so refused attempts (no credential, an agent's token) are on record too.
  op.use('*', operatorAuth(hive.ctx.operator, hive.ctx.tokens));
  op.get('/session', (c) => c.json({ ok: true, actor: c.get('actor') }));
  op.get('/audit', (c) => {
    const q = z.object({ limit: z.coerce.number().int().min(1).max(5000).default(200) }).safeParse({ limit: c.req.query('limit') || undefined });
    if (!q.success) throw new BadRequestError(`bad query: ${q.error.issues[0]!.message}`);
    return c.json({ audit: hive.ctx.store.listAudit(q.data) });
  });
  op.get('/state', (c) => c.body(hive.stateJson(), 200, { 'content-type': 'application/json' }));
  op.post('/agents', async (c) => {
    const { name } = await jsonBody(c, SpawnBody);
    await hive.spawn(name);
    return c.json({ ok: true, agent: hive.state().agents.find((a) => a.name === name) }, 201);
  });
  op.get('/agents/:name/logs', async (c) => {
    const lines = Math.min(Math.max(Number(c.req.query('lines') ?? 200) || 200, 1), 5000);
    return c.json({ agent: c.req.param('name'), text: await hive.logs(c.req.param('name'), lines) });
  });
  op.post('/agents/:name/rebuild', async (c) => {
    await jsonBody(c, NoBody);
    await hive.rebuild(c.req.param('name'));
    return c.json({ ok: true });
  });
  op.post('/agents/:name/rollback', async (c) => {
    const b = await jsonBody(c, RollbackBody);
    return c.json({ approval: await hive.rollback(c.req.param('name'), b) });
  });
  op.post('/freeze', async (c) => c.json(await hive.freeze((await jsonBody(c, FreezeBody)).reason)));
  op.post('/thaw', async (c) => {
    await jsonBody(c, NoBody);
    return c.json(hive.thaw());
  });
  op.delete('/agents/:name', async (c) => {
    const purge = ['1', 'true', 'yes'].includes(c.req.query('purge') ?? '');
    await jsonBody(c, NoBody);
    await hive.destroy(c.req.param('name'), { purge });
    return c.json({ ok: true, purged: purge });
  });
  op.post('/auto-update', async (c) => c.json(await hive.autoUpdate()));
  op.get('/approvals', (c) => c.json({ approvals: hive.ctx.store.listApprovals({ limit: 500 }) }));
  op.get('/approvals/:id', (c) => {
    const id = intParam(c, 'id');
    const a = hive.ctx.store.getApproval(id);
    if (!a) throw new ApprovalNotFoundError(id);
    return c.json(a);
  });
  op.get('/approvals/:id/diff', async (c) => c.json(await hive.diff(intParam(c, 'id'))));
  op.post('/approvals/:id/approve', async (c) => {
    const id = intParam(c, 'id');
    await jsonBody(c, NoBody);
    return c.json({ approval: await hive.approve(id) });
  });
  op.post('/approvals/:id/deny', async (c) => {
    const id = intParam(c, 'id');
    const { reason } = await jsonBody(c, DenyBody);
    return c.json({ approval: await hive.deny(id, reason) });
  });
  op.post('/questions/:id/answer', async (c) => {
    const id = intParam(c, 'id');
    const { answer } = await jsonBody(c, AnswerBody);
    return c.json({ question: hive.answer(id, answer) });
  });
  const EventsQuery = z.object({
    agent: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  });
  op.get('/events', (c) => {
    const q = EventsQuery.safeParse({ agent: c.req.query('agent') || undefined, limit: c.req.query('limit') || undefined });
    if (!q.success) throw new BadRequestError(`bad query: ${q.error.issues[0]!.message}`);
    return c.json({ events: hive.ctx.store.listEvents(q.data) });
  });
  app.route('/api', op);
  if (o.agentPageDir) {
    app.route('/agents', agentPages(hive, o.agentPageDir));
  }
  return app;
}
