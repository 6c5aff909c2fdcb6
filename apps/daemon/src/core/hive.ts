import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { containerName, stateLayout, validateAgentName } from '@hive/core';
import type { HiveState } from '@hive/protocol';
import { agentWebPort, findPortConflicts, type PortOptions } from '@hive/ports';
import { NixosRuntime, ProcessRuntime, type ContainerRuntime } from '@hive/containers';
import { seedLocalHyperhive } from '@hive/metaflake';
import type { DaemonConfig } from '../config.js';
import { Store } from '../store.js';
import { AgentNotFoundError, QuestionAnsweredError, QuestionNotFoundError } from '../errors.js';
import { EventBus } from './event-bus.js';
import { KeyedMutex } from './locks.js';
import { AgentTokens } from './tokens.js';
import { AgentKeys, OperatorAuth } from './secrets.js';
import { InboxDelivery } from './inbox.js';
import { AgentUsageBook } from './usage.js';
import { runtimeAgent, type HiveContext } from './context.js';
import { faultAt } from './pipeline-steps.js';
import { maxTurnsFrom, TurnSlots } from './turn-slots.js';
import * as lifecycle from './lifecycle.js';
import * as spawning from './spawn.js';
import * as approvals from './approvals.js';
import { recoverApprovals } from './recovery.js';
import { rollback, type RollbackOptions } from './rollback.js';
import { freeze, frozenState, thaw } from './freeze.js';
import { lockStateDir } from './state-lock.js';

/** The default harness: this repo's agent-harness app, run with the same node. */
function defaultHarnessCommand(): string[] {
  const entry = fileURLToPath(import.meta.resolve('@hive/agent-harness'));
  return [process.execPath, path.join(path.dirname(entry), 'main.js')];
}

export interface HiveOptions {
  config: DaemonConfig;
  log: Logger;
  /** Inject a runtime (tests); default from config.runtime. */
  runtime?: ContainerRuntime;
}

/** The daemon's core: composes the libraries into lifecycle, approvals, recovery and state. */
export class Hive {
  readonly ctx: HiveContext;
  readonly inbox: InboxDelivery;
  readonly usage: AgentUsageBook;
  private url = '';
  private unlock: () => void;

  constructor(o: HiveOptions) {
    const { config, log } = o;
    const layout = stateLayout(config.stateDir);
    mkdirSync(layout.root, { recursive: true });
    this.unlock = lockStateDir(layout.root);
    let store: Store;
    try {
      for (const d of [layout.agentsDir, layout.appliedRoot, layout.stateRoot]) mkdirSync(d, { recursive: true });
      store = new Store(layout.dbFile);
    } catch (e) {
      this.unlock(); // a daemon that never came up must not keep the state dir
      throw e;
    }
    const ports: PortOptions = {
      managerName: config.managerName,
      managerPort: config.managerPort,
      base: config.agentPortBase,
      range: config.agentPortRange,
    };
    const runtime = o.runtime ?? makeRuntime(config, layout.root, log);
    this.ctx = {
      config,
      layout,
      store,
      bus: new EventBus(store),
      runtime,
      tokens: new AgentTokens(layout.stateRoot),
      operator: new OperatorAuth({ stateRoot: layout.root, token: config.operatorToken }),
      keys: new AgentKeys(layout.root),
      locks: new KeyedMutex(),
      log,
      ports,
      meta: {
        metaDir: layout.metaDir,
        appliedRoot: layout.appliedRoot,
        hyperhiveUrl: config.hyperhiveUrl ?? '',
        dashboardPort: config.dashboardPort,
        ...(config.system ? { system: config.system } : {}),
        network: config.runtime === 'nixos' ? config.nixosNetwork : 'host',
      },
      daemonUrl: () => this.url,
      turnSlots: new TurnSlots(config.maxTurns ?? maxTurnsFrom({})),
      fault: faultAt(config.faultAt, (step) => log.fatal({ step }, 'HIVE_FAULT_AT reached: killing the daemon')),
    };
    this.inbox = new InboxDelivery(this.ctx);
    this.usage = new AgentUsageBook(this.ctx);
    this.ctx.bus.subscribe((e) => this.inbox.onEvent(e));
    runtime.onCrash((name, info) => {
      if (!store.getAgent(name)) return;
      // Its slot's connection dies with it; this frees it even if the socket lingers.
      this.ctx.turnSlots.releaseAgent(name);
      store.setAgentStatus(name, 'crashed');
      const reason = info.reason ? { reason: info.reason } : {};
      this.ctx.bus.emit('container_crash', name, { agent: name, code: info.code, signal: info.signal, tail: info.tail.slice(-2000), ...reason });
    });
  }

  /** Called once the HTTP server listens: recover, start agents, spawn the manager on a fresh state dir. */
  async start(listenUrl: string): Promise<void> {
    const { ctx } = this;
    this.url = listenUrl;
    ctx.meta.dashboardPort = Number(new URL(listenUrl).port);
    if (!ctx.config.hyperhiveUrl) {
      // No NixOS here: an offline stand-in keeps the meta flake real (lockable, evaluable).
      ctx.meta.hyperhiveUrl = (await seedLocalHyperhive(path.join(ctx.layout.root, 'hyperhive-local'))).url;
    }
    // What spawn does for a new agent, done at every start for the recorded ones: repos made by an
    // older daemon get the current remote, and a pre-overhaul layout is refused, not started.
    const refused = new Map<string, string>();
    for (const a of ctx.store.listAgents()) {
      ctx.tokens.ensure(a.name);
      await ctx.locks.run(a.name, () => lifecycle.repairAgentRepos(ctx, a.name)).catch((e: Error) => refused.set(a.name, e.message));
    }
    const { reconciled } = await recoverApprovals(ctx);
    if (reconciled.length) ctx.log.warn({ reconciled }, 'reconciled approvals left in flight');
    const agents = ctx.store.listAgents();
    if (agents.length) await lifecycle.syncMeta(ctx);
    const known = new Set(await ctx.runtime.list());
    for (const a of agents) {
      const why = refused.get(a.name);
      if (why) {
        ctx.log.error({ agent: a.name, err: why }, 'agent not started');
        ctx.store.setAgentStatus(a.name, 'stopped');
        ctx.bus.emit('AgentStatus', a.name, { agent: a.name, status: 'stopped', error: why });
        continue;
      }
      try {
        if (!known.has(a.name)) await ctx.runtime.create(runtimeAgent(ctx, a.name));
        if ((await ctx.runtime.status(a.name)) !== 'running') await lifecycle.startAgent(ctx, a.name);
        else ctx.store.setAgentStatus(a.name, 'running');
      } catch (e) {
        ctx.log.error({ agent: a.name, err: (e as Error).message }, 'agent did not start');
      }
    }
    if (agents.length === 0 && ctx.config.spawnManager) {
      ctx.log.info({ manager: ctx.config.managerName }, 'fresh state dir: spawning the manager');
      await spawning.spawn(ctx, ctx.config.managerName);
    }
    this.inbox.start();
  }

  async close(): Promise<void> {
    this.inbox.stop();
    await this.ctx.runtime.shutdown();
    this.ctx.store.close();
    this.unlock();
  }

  // ── operator actions ──
  spawn = (name: string) => spawning.spawn(this.ctx, name);
  rebuild = (name: string) => lifecycle.rebuild(this.ctx, name);
  destroy = (name: string, o?: { purge?: boolean }) => lifecycle.destroy(this.ctx, name, o);
  autoUpdate = () => lifecycle.autoUpdate(this.ctx);
  approve = (id: number) => approvals.approve(this.ctx, id);
  deny = (id: number, reason: string) => approvals.deny(this.ctx, id, reason);
  diff = (id: number) => approvals.approvalDiff(this.ctx, id);
  rollback = (name: string, o?: RollbackOptions) => rollback(this.ctx, name, o);
  freeze = (reason?: string) => freeze(this.ctx, reason);
  thaw = () => thaw(this.ctx);

  /** The last lines of an agent's container/harness output. */
  async logs(name: string, lines = 200): Promise<string> {
    validateAgentName(name);
    if (!this.ctx.store.getAgent(name)) throw new AgentNotFoundError(name);
    return this.ctx.runtime.logs(name, { lines });
  }

  // ── agent calls (caller already authenticated by token) ──
  requestInitConfig = (caller: string, name: string) => approvals.requestInitConfig(this.ctx, caller, name);
  requestApplyCommit = (caller: string, name: string, sha: string) => approvals.requestApplyCommit(this.ctx, caller, name, sha);

  askOperator(agent: string, question: string) {
    const q = this.ctx.store.insertQuestion(agent, question);
    this.ctx.bus.emit('QuestionAsked', agent, { id: q.id, agent, question });
    return { question_id: q.id };
  }

  answer(id: number, answer: string) {
    const q = Number.isSafeInteger(id) ? this.ctx.store.getQuestion(id) : undefined;
    if (!q) throw new QuestionNotFoundError(id);
    if (!this.ctx.store.answerQuestion(id, answer)) throw new QuestionAnsweredError(id);
    this.ctx.bus.emit('QuestionAnswered', q.agent, { id, agent: q.agent, answer });
    if (this.ctx.store.getAgent(q.agent))
      this.inbox.enqueue(q.agent, { kind: 'answer', from: 'operator', text: `the operator answered your question "${q.question.slice(0, 200)}": ${answer}` });
    return this.ctx.store.getQuestion(id)!;
  }

  sendMessage(from: string, to: string, text: string) {
    validateAgentName(to);
    if (!this.ctx.store.getAgent(to)) throw new AgentNotFoundError(to);
    const m = this.ctx.store.insertMessage(from, to, text);
    this.ctx.bus.emit('Message', to, { id: m.id, from, to, text });
    this.inbox.enqueue(to, { kind: 'message', from, text });
    return { ok: true as const, id: m.id };
  }

  /**
   * `GET /api/state`: read from SQLite and the usage book only, so it is the same until either
   * changes: kept, with its JSON, until then (a dashboard polling 500 agents costs one build per change).
   */
  state(): HiveState {
    return this.cachedState().state;
  }

  /** state() as the JSON body the route sends. */
  stateJson(): string {
    const c = this.cachedState();
    c.json ??= JSON.stringify(c.state);
    return c.json;
  }

  #state: { key: string; state: HiveState; json?: string } | null = null;

  private cachedState() {
    // The UTC day is in the key: usage's `today` turns over at midnight with no write.
    const key = `${this.ctx.store.changeCount()}:${this.usage.generation}:${new Date().toISOString().slice(0, 10)}:${this.url}`;
    if (this.#state?.key !== key) this.#state = { key, state: this.buildState() };
    return this.#state;
  }

  private buildState(): HiveState {
    const { store, ports, config } = this.ctx;
    const rows = store.listAgents();
    const usageOf = this.usage.usage();
    const questions = store.listQuestions(100);
    const asking = new Set(questions.filter((q) => !q.answered).map((q) => q.agent));
    const health = store.allHealth();
    return {
      agents: rows.map((a) => {
        const port = agentWebPort(a.name, ports);
        return {
          name: a.name,
          port,
          status: a.status,
          // What it runs now (a /model override included), with agent.nix's beside it.
          model: this.usage.modelOf(a.name) ?? a.model,
          config_model: a.model,
          deployed_tag: a.deployed_tag,
          // Through the daemon: the harness port itself answers only the daemon's key.
          url: `${this.url}/agents/${a.name}/`,
          is_manager: a.name === config.managerName,
          container: containerName(a.name),
          usage: usageOf(a.name),
          activity: this.usage.activityOf(a.name, { status: a.status, openQuestion: asking.has(a.name) }),
          health: health.get(a.name) ?? null,
        };
      }),
      approvals: store.listApprovals({ limit: 200 }),
      port_conflicts: findPortConflicts(
        rows.map((a) => a.name),
        ports,
      ),
      questions,
      messages: store.listMessages(50),
      manager: config.managerName,
      runtime: config.runtime,
      frozen: frozenState(this.ctx),
    };
  }
}


function makeRuntime(config: DaemonConfig, root: string, log: Logger): ContainerRuntime {
  if (config.runtime === 'nixos')
    return new NixosRuntime({
      nixosContainerBin: config.nixosContainerBin,
      journalctlBin: config.journalctlBin,
      systemctlBin: config.systemctlBin,
      log: (msg: string) => log.warn(msg),
      confDir: config.nixosConfDir,
      network: config.nixosNetwork,
      stateRoot: root,
    });
  const harnessCommand = config.harnessCommand ? (JSON.parse(config.harnessCommand) as string[]) : defaultHarnessCommand();
  // Asking for no sandbox (HIVE_SANDBOX=none, hive up --no-sandbox) is the operator's explicit consent to root agents; auto never is.
  const unsandboxed = config.sandbox === 'none';
  if (unsandboxed) log.warn('sandbox none: agents run with the daemon\'s uid and see the whole host — only for trusted agents');
  return new ProcessRuntime({ stateRoot: root, harnessCommand, sandbox: config.sandbox, allowUnsandboxedRoot: unsandboxed, log: (msg) => log.info(msg) });
}
