import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ChatEntry, HarnessState, InboxItem } from '@hive/protocol';
import type { HarnessConfig } from './config.js';
import { History } from './history.js';
import { FrameHub } from './hub.js';
import { writeMcpConfig } from './mcp-config.js';
import { ModelStore } from './model.js';
import { SessionStore } from './session.js';
import { TurnLoop } from './turn-loop.js';

/** Env handed to claude: the harness's own, minus the token (the MCP server gets it from its config file). */
function claudeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.HIVE_TOKEN;
  return env;
}

/** One agent's harness: model store, chat history, claude session, turn loop and page sockets, wired together. */
export class Harness {
  readonly models: ModelStore;
  readonly history: History;
  readonly session: SessionStore;
  readonly loop: TurnLoop;
  readonly hub: FrameHub;
  readonly mcpConfig: string;
  /** The port actually bound (differs from config when it was 0). */
  port: number;

  constructor(readonly config: HarnessConfig, readonly log: Logger) {
    mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
    this.port = config.port;
    this.models = new ModelStore(config.stateDir, config.defaultModel);
    this.history = new History(config.stateDir);
    this.session = new SessionStore(config.stateDir);
    this.mcpConfig = writeMcpConfig({
      stateDir: config.stateDir,
      name: config.name,
      token: config.token,
      daemonUrl: config.daemonUrl,
      isManager: config.isManager,
      extra: config.mcpServers,
    });
    this.hub = new FrameHub(() => [{ kind: 'state', state: this.state() }]);
    this.loop = new TurnLoop({
      history: this.history,
      models: this.models,
      session: this.session,
      command: config.claudeCommand,
      mcpConfig: this.mcpConfig,
      cwd: config.workDir,
      env: claudeEnv(),
      emit: (frame) => this.hub.broadcast(frame),
      onStateChange: () => this.#pushState(),
      log,
    });
  }

  /** What `GET /api/state` answers. */
  state(): HarnessState {
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
    };
  }

  /** Validates and persists a model override; the next turn uses it. */
  setModel(raw: unknown): HarnessState {
    const model = this.models.set(raw);
    this.log.info({ model }, 'model changed');
    this.#pushState();
    return this.state();
  }

  /** Queues an inbox item (operator chat, daemon event, agent message or answer) as one turn. */
  deliver(item: InboxItem): ChatEntry {
    return this.loop.enqueue(item);
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
