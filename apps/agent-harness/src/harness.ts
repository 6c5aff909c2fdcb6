import { mkdirSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { ChatEntry, HarnessFrame, HarnessState, HarnessUsageState, InboxItem } from '@hive/protocol';
import { AgentApiClient } from './agent-api.js';
import { effectivePermissionMode, type ClaudePermissions } from './claude.js';
import type { HarnessConfig } from './config.js';
import { runHealthChecks, type HealthMemo } from './health-check.js';
import { History } from './history.js';
import type { FrameHub } from './hub.js';
import { writeMcpConfig } from './mcp-config.js';
import { ModelStore } from './model.js';
import { SessionStore } from './session.js';
import { renderSystemPrompt } from './system-prompt.js';
import { TurnLoop } from './turn-loop.js';
import { UsageLog } from './usage.js';

/** Env handed to claude: the harness's own, minus the token (the MCP server gets it from its config file). */
function claudeEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // The hive tools are the agent's reason to exist: offer them in every request rather than
  // deferred behind a ToolSearch round trip (Claude Code defers MCP tools by default).
  const env: NodeJS.ProcessEnv = { ENABLE_TOOL_SEARCH: 'false', ...base };
  delete env.HIVE_TOKEN;
  return env;
}

/** The settings' grants as claude's flags take them, the permission mode checked against our uid. */
function permissionsOf(config: HarnessConfig, log: Logger): ClaudePermissions {
  const { mode, warning } = effectivePermissionMode(config.permissionMode, process.getuid?.() ?? null);
  if (warning) log.warn({ permissionMode: config.permissionMode }, warning);
  return { permissionMode: mode, allowedTools: config.allowedTools, disallowedTools: config.disallowedTools, maxTurns: config.maxTurns };
}

/**
 * The page sockets, with `ws` loaded when the first page connects: most agents sit idle with no
 * page open, and an idle harness should not carry a WebSocket server (density, issue 15).
 */
export class PageSockets {
  #hub: FrameHub | null = null;
  constructor(private readonly hello: () => HarnessFrame[]) {}

  /** Takes over `/api/ws` upgrades on `server` (FrameHub's checks), loading the hub on the first one. */
  attach(server: Server, bind: string, keySha256: string | null): void {
    const waiting: [IncomingMessage, Duplex, Buffer][] = [];
    // Node destroys an upgrade nobody listens for, so this stays on until the hub has taken over.
    const boot = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      waiting.push([req, socket, head]);
      if (waiting.length > 1) return;
      void import('./hub.js').then(({ FrameHub }) => {
        this.#hub = new FrameHub(this.hello);
        server.off('upgrade', boot);
        this.#hub.attach(server, bind, keySha256);
        for (const args of waiting.splice(0)) server.emit('upgrade', ...args);
      });
    };
    server.on('upgrade', boot);
  }

  /** Sends one frame to every open page (none before the first connects). */
  broadcast(frame: HarnessFrame): void {
    this.#hub?.broadcast(frame);
  }

  close(): void {
    this.#hub?.close();
  }
}

/** One agent's harness: model store, chat history, claude session, turn loop and page sockets, wired together. */
export class Harness {
  readonly models: ModelStore;
  readonly history: History;
  readonly session: SessionStore;
  readonly usage: UsageLog;
  readonly loop: TurnLoop;
  readonly hub: PageSockets;
  readonly mcpConfig: string;
  /** The port actually bound (differs from config when it was 0). */
  port: number;
  readonly #reportModel: () => void;

  /** `opts.env` replaces the process env claude gets (tests point it at a scripted API). */
  /** Settings generation last reloaded in place (null: the env it started with). */
  settingsGeneration: string | null = null;
  /** The deploy gate's passed checks, reused while their inputs stay the same (health-check.ts). */
  readonly healthMemo: HealthMemo = new Map();

  constructor(public config: HarnessConfig, readonly log: Logger, private opts: { env?: NodeJS.ProcessEnv } = {}) {
    mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
    this.port = config.port;
    this.models = new ModelStore(config.stateDir, config.defaultModel);
    this.history = new History(config.stateDir);
    this.session = new SessionStore(config.stateDir);
    this.usage = new UsageLog(config.stateDir);
    const daemon = config.daemonUrl ? new AgentApiClient({ daemonUrl: config.daemonUrl, token: config.token, timeoutMs: 10_000 }) : null;
    const warn = (message: string) => log.warn(message);
    // The daemon shows what the agent runs: say it at start and on every /model flip.
    this.#reportModel = () => void daemon?.report('activity', { activity: this.loop.activity, model: this.models.current() }, warn);
    this.mcpConfig = writeMcpConfig({
      stateDir: config.stateDir,
      name: config.name,
      token: config.token,
      daemonUrl: config.daemonUrl,
      isManager: config.isManager,
      extra: config.mcpServers,
    });
    this.hub = new PageSockets(() => [{ kind: 'state', state: this.state() }]);
    this.loop = new TurnLoop({
      history: this.history,
      models: this.models,
      session: this.session,
      usage: this.usage,
      command: config.claudeCommand,
      mcpConfig: this.mcpConfig,
      permissions: permissionsOf(config, log),
      systemPrompt: renderSystemPrompt({ name: config.name, isManager: config.isManager, managerName: config.managerName, append: config.appendSystemPrompt }),
      budgetUsd: config.budgetUsd,
      cwd: config.workDir,
      env: claudeEnv(opts.env ?? process.env),
      emit: (frame) => this.hub.broadcast(frame),
      onStateChange: () => this.#pushState(),
      // Reports are fire-and-forget: a slow or absent daemon never holds up the next turn.
      onActivity: (activity) => void daemon?.report('activity', { activity, model: this.models.current() }, warn),
      onTurnReport: (report) => void daemon?.report('turn_report', report, warn),
      holdTurnSlot: daemon
        ? async (signal, onQueued) => {
            const lease = await daemon.holdTurnSlot({ signal, onQueued });
            return lease ? () => lease.release() : null;
          }
        : undefined,
      log,
    });
    this.#reportModel();
  }

  /** What `GET /api/state` answers: HarnessState plus activity and today's usage. */
  state(): HarnessState & HarnessUsageState {
    return {
      name: this.config.name,
      label: this.config.label,
      model: this.models.current(),
      default_model: this.config.defaultModel,
      busy: this.loop.busy,
      is_manager: this.config.isManager,
      port: this.port,
      queue: this.loop.queued,
      dashboard_port: this.config.dashboardPort,
      activity: this.loop.activity,
      usage_today: this.usage.today(),
      budget_usd: this.config.budgetUsd,
    };
  }

  /** Validates and persists a model override; the next turn uses it. */
  setModel(raw: unknown): HarnessState & HarnessUsageState {
    const model = this.models.set(raw);
    this.log.info({ model }, 'model changed');
    this.#pushState();
    this.#reportModel();
    return this.state();
  }

  /** Queues an inbox item (operator chat, daemon event, agent message or answer) as one turn. */
  deliver(item: InboxItem): ChatEntry {
    return this.loop.enqueue(item);
  }

  /**
   * A deploy that changed only what turns read (model, env, MCP servers, prompt, permissions,
   * budget): applied in place, for the turns that start from now on; the page stays connected and
   * a running turn finishes as it began. What needs a restart (name, port, token, binds) the
   * runtime restarts for instead — this refuses it rather than half-apply it.
   */
  reload(next: HarnessConfig, env: NodeJS.ProcessEnv, generation: string): void {
    for (const k of ['name', 'port', 'token', 'stateDir', 'workDir', 'daemonUrl', 'isManager', 'claudeCommand', 'daemonKeySha256'] as const)
      if (JSON.stringify(next[k]) !== JSON.stringify(this.config[k])) throw new Error(`reload cannot change ${k}: restart the harness`);
    this.config = next;
    this.opts = { ...this.opts, env };
    this.models.defaultModel = next.defaultModel;
    writeMcpConfig({ stateDir: next.stateDir, name: next.name, token: next.token, daemonUrl: next.daemonUrl, isManager: next.isManager, extra: next.mcpServers });
    this.loop.reconfigure({
      permissions: permissionsOf(next, this.log),
      systemPrompt: renderSystemPrompt({ name: next.name, isManager: next.isManager, managerName: next.managerName, append: next.appendSystemPrompt }),
      budgetUsd: next.budgetUsd,
      env: claudeEnv(env),
    });
    this.settingsGeneration = generation;
    this.log.info({ generation, model: this.models.current() }, 'settings reloaded in place');
    this.#reportModel();
    this.#pushState();
  }

  /** The deploy gate's check, run here in the sandbox with claude's own env: claude answers, each MCP server initializes. */
  healthCheck(timeoutMs: number) {
    const env = claudeEnv(this.opts.env ?? process.env);
    return runHealthChecks({ claudeCommand: this.config.claudeCommand, mcpConfig: this.mcpConfig, env, cwd: this.config.workDir, timeoutMs, memo: this.healthMemo });
  }

  /** Stops the running turn, if any. */
  cancel(): boolean {
    return this.loop.cancel();
  }

  #pushState(): void {
    this.hub.broadcast({ kind: 'state', state: this.state() });
  }

  /** Kills the running turn and closes the page sockets. */
  async close(): Promise<void> {
    await this.loop.stop();
    this.hub.close();
  }
}
