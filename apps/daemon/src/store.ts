import Database from 'better-sqlite3';
import { parseHiveEvent } from '@hive/protocol';
import type {
  AgentHealth,
  AuditEntry,
  Approval,
  ApprovalKind,
  ApprovalStatus,
  AgentMessage,
  AgentStatus,
  EventDataOf,
  EventType,
  HiveEvent,
  HiveEventOf,
  Question,
  TypedHiveEvent,
} from '@hive/protocol';

/** Versioned migrations: index + 1 is the schema version stored in `PRAGMA user_version`. */
const MIGRATIONS = [
  `CREATE TABLE agents (
     name TEXT PRIMARY KEY, status TEXT NOT NULL, model TEXT, deployed_tag TEXT,
     created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
   CREATE TABLE approvals (
     id INTEGER PRIMARY KEY, agent TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
     commit_ref TEXT NOT NULL, fetched_sha TEXT, terminal_tag TEXT, note TEXT,
     created_at TEXT NOT NULL, resolved_at TEXT);
   CREATE INDEX approvals_agent ON approvals(agent, id);
   CREATE INDEX approvals_status ON approvals(status);
   CREATE TABLE events (
     id INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, type TEXT NOT NULL, agent TEXT, data TEXT NOT NULL);
   CREATE INDEX events_agent ON events(agent, id);
   CREATE TABLE questions (
     id INTEGER PRIMARY KEY AUTOINCREMENT, agent TEXT NOT NULL, question TEXT NOT NULL, answer TEXT,
     created_at TEXT NOT NULL, answered_at TEXT);
   CREATE TABLE messages (
     id INTEGER PRIMARY KEY AUTOINCREMENT, from_agent TEXT NOT NULL, to_agent TEXT NOT NULL, text TEXT NOT NULL,
     created_at TEXT NOT NULL);
   CREATE TABLE inbox (
     id INTEGER PRIMARY KEY AUTOINCREMENT, agent TEXT NOT NULL, item TEXT NOT NULL,
     created_at TEXT NOT NULL, delivered_at TEXT);
   CREATE INDEX inbox_pending ON inbox(agent, delivered_at);`,
  // v2: who decided what (append-only), and what each agent turn cost.
  `CREATE TABLE audit (
     id INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, actor TEXT NOT NULL, remote TEXT,
     action TEXT NOT NULL, target TEXT, outcome TEXT NOT NULL, detail TEXT);
   CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
   CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
   CREATE TABLE turns (
     id INTEGER PRIMARY KEY AUTOINCREMENT, agent TEXT NOT NULL, turn INTEGER NOT NULL, ts TEXT NOT NULL,
     cost_usd REAL NOT NULL DEFAULT 0, input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
     num_turns INTEGER NOT NULL DEFAULT 0, duration_ms INTEGER NOT NULL DEFAULT 0, ok INTEGER NOT NULL DEFAULT 1,
     model_usage TEXT);
   CREATE INDEX turns_agent ON turns(agent, ts);`,
  // v3: the tree each approval deploys, the trees the hive took back, health, and hive-wide flags (freeze).
  `ALTER TABLE approvals ADD COLUMN tree TEXT;
   CREATE TABLE undone (
     tree TEXT PRIMARY KEY, agent TEXT NOT NULL, how TEXT NOT NULL, by_id INTEGER NOT NULL, at TEXT NOT NULL, why TEXT NOT NULL);
   CREATE TABLE health (
     agent TEXT PRIMARY KEY, ok INTEGER NOT NULL, at TEXT NOT NULL, approval_id INTEGER, checks TEXT NOT NULL);
   CREATE TABLE flags (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

export interface AgentRow {
  name: string;
  status: AgentStatus;
  model: string | null;
  deployed_tag: string | null;
  created_at: string;
}

const now = () => new Date().toISOString();

/** One claude turn's cost, as stored. */
export interface TurnUsage {
  turn: number;
  ok: boolean;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  num_turns: number;
  duration_ms: number;
  model_usage?: Record<string, unknown> | null;
}

export interface UsageTotals {
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  turns: number;
}

type QuestionRow = { id: number; agent: string; question: string; answer: string | null; created_at: string };
const toQuestion = (r: QuestionRow): Question => ({
  id: r.id,
  agent: r.agent,
  question: r.question,
  answer: r.answer,
  answered: r.answer !== null,
  created_at: r.created_at,
});

type ApprovalRow = Omit<Approval, 'sha' | 'undone'> & { u_how?: string | null; u_by?: number | null; u_at?: string | null; u_why?: string | null };
const toApproval = ({ u_how, u_by, u_at, u_why, ...r }: ApprovalRow): Approval => ({
  ...r,
  sha: r.fetched_sha ?? r.commit_ref,
  undone: u_how ? { how: u_how as 'rolled-back' | 'auto-reverted', by: u_by!, at: u_at!, why: u_why! } : null,
});
/** Approvals with the undo mark of their tree, if the hive took that tree back. */
const APPROVALS = `SELECT a.*, u.how AS u_how, u.by_id AS u_by, u.at AS u_at, u.why AS u_why FROM approvals a
  LEFT JOIN undone u ON u.tree = a.tree`;

/** A tree the hive took back: rolled back away from, or auto-reverted after a failed health check. */
export interface UndoneTree {
  tree: string;
  agent: string;
  how: 'rolled-back' | 'auto-reverted';
  by: number;
  why: string;
}

/** The daemon's SQLite state (WAL): a mirror of what the tags say, plus events, questions, messages, inbox. */
export class Store {
  readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a killed process; only a power cut can lose the last commit.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  close(): void {
    this.db.close();
  }

  // Each statement is compiled once and kept: GET /api/state alone runs eight of them.
  private statements = new Map<string, Database.Statement>();
  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  /**
   * Changes to the database since it was opened, this connection's and any other's: equal
   * numbers mean equal contents (what `GET /api/state` caches its answer by).
   */
  changeCount(): string {
    const n = (this.sql('SELECT total_changes() AS n').get() as { n: number }).n;
    return `${n}.${this.db.pragma('data_version', { simple: true }) as number}`;
  }

  // ── agents ──
  listAgents(): AgentRow[] {
    return this.sql('SELECT name, status, model, deployed_tag, created_at FROM agents ORDER BY name').all() as AgentRow[];
  }
  getAgent(name: string): AgentRow | undefined {
    return this.sql('SELECT name, status, model, deployed_tag, created_at FROM agents WHERE name = ?').get(name) as AgentRow | undefined;
  }
  upsertAgent(name: string, fields: Partial<Omit<AgentRow, 'name' | 'created_at'>>): void {
    const t = now();
    this.db
      .prepare(
        `INSERT INTO agents (name, status, model, deployed_tag, created_at, updated_at) VALUES (@name, @status, @model, @deployed_tag, @t, @t)
         ON CONFLICT(name) DO UPDATE SET
           status = coalesce(@status, status), model = coalesce(@model, model),
           deployed_tag = coalesce(@deployed_tag, deployed_tag), updated_at = @t`,
      )
      .run({ name, status: fields.status ?? 'stopped', model: fields.model ?? null, deployed_tag: fields.deployed_tag ?? null, t });
  }
  setAgentStatus(name: string, status: AgentStatus): void {
    this.sql('UPDATE agents SET status = ?, updated_at = ? WHERE name = ?').run(status, now(), name);
  }
  deleteAgent(name: string): void {
    this.sql('DELETE FROM agents WHERE name = ?').run(name);
    this.sql('DELETE FROM health WHERE agent = ?').run(name);
  }

  // ── approvals ──
  nextApprovalId(): number {
    const r = this.sql('SELECT coalesce(max(id), 0) + 1 AS id FROM approvals').get() as { id: number };
    return r.id;
  }
  insertApproval(a: { id: number; agent: string; kind: ApprovalKind; commit_ref: string; fetched_sha: string | null; tree?: string | null }): Approval {
    this.db
      .prepare(
        `INSERT INTO approvals (id, agent, kind, status, commit_ref, fetched_sha, tree, created_at) VALUES (@id, @agent, @kind, 'pending', @commit_ref, @fetched_sha, @tree, @t)`,
      )
      .run({ tree: null, ...a, t: now() });
    return this.getApproval(a.id)!;
  }
  getApproval(id: number): Approval | undefined {
    const r = this.sql(`${APPROVALS} WHERE a.id = ?`).get(id) as ApprovalRow | undefined;
    return r && toApproval(r);
  }
  listApprovals(o: { limit?: number; agent?: string } = {}): Approval[] {
    const rows = (
      o.agent
        ? this.sql(`${APPROVALS} WHERE a.agent = ? ORDER BY a.id DESC LIMIT ?`).all(o.agent, o.limit ?? 200)
        : this.sql(`${APPROVALS} ORDER BY a.id DESC LIMIT ?`).all(o.limit ?? 200)
    ) as ApprovalRow[];
    return rows.map(toApproval);
  }
  /** Approvals the tags may have moved past (pending or building), oldest first. */
  unresolvedApprovals(): Approval[] {
    return (this.sql(`${APPROVALS} WHERE a.status IN ('pending','building') ORDER BY a.id`).all() as ApprovalRow[]).map(toApproval);
  }
  setApprovalTree(id: number, tree: string): void {
    this.sql('UPDATE approvals SET tree = ? WHERE id = ?').run(tree, id);
  }

  // ── undone trees, health, flags ──
  /** Marks `tree` as taken back (the latest undo of a tree wins). */
  markUndone(u: UndoneTree): void {
    this.db
      .prepare(
        `INSERT INTO undone (tree, agent, how, by_id, at, why) VALUES (@tree, @agent, @how, @by, @t, @why)
         ON CONFLICT(tree) DO UPDATE SET agent = @agent, how = @how, by_id = @by, at = @t, why = @why`,
      )
      .run({ ...u, t: now() });
  }
  /** A tree deployed again on purpose (approved or rolled back to) is no longer marked. */
  clearUndone(tree: string): void {
    this.sql('DELETE FROM undone WHERE tree = ?').run(tree);
  }
  setHealth(agent: string, h: { ok: boolean; approval_id: number | null; checks: unknown[] }): string {
    const at = now();
    this.db
      .prepare('INSERT OR REPLACE INTO health (agent, ok, at, approval_id, checks) VALUES (?, ?, ?, ?, ?)')
      .run(agent, h.ok ? 1 : 0, at, h.approval_id, JSON.stringify(h.checks));
    return at;
  }
  /** Every agent's last health check, by name: one query for the whole of `GET /api/state`. */
  allHealth(): Map<string, AgentHealth> {
    const rows = this.sql('SELECT agent, ok, at, approval_id, checks FROM health').all() as {
      agent: string;
      ok: number;
      at: string;
      approval_id: number | null;
      checks: string;
    }[];
    return new Map(rows.map((r) => [r.agent, { ok: r.ok === 1, at: r.at, approval_id: r.approval_id, checks: JSON.parse(r.checks) as AgentHealth['checks'] }]));
  }
  getFlag<T>(key: string): T | null {
    const r = this.sql('SELECT value FROM flags WHERE key = ?').get(key) as { value: string } | undefined;
    return r ? (JSON.parse(r.value) as T) : null;
  }
  setFlag(key: string, value: unknown): void {
    if (value === null) this.sql('DELETE FROM flags WHERE key = ?').run(key);
    else this.sql('INSERT OR REPLACE INTO flags (key, value) VALUES (?, ?)').run(key, JSON.stringify(value));
  }
  /** pending → building, atomically: false when it was not pending (a second approve). */
  claimForBuild(id: number): boolean {
    return this.sql("UPDATE approvals SET status = 'building' WHERE id = ? AND status = 'pending'").run(id).changes === 1;
  }
  resolveApproval(id: number, r: { status: ApprovalStatus; terminal_tag: string | null; note: string | null }): Approval {
    this.db
      .prepare('UPDATE approvals SET status = @status, terminal_tag = @terminal_tag, note = @note, resolved_at = @t WHERE id = @id')
      .run({ id, ...r, t: now() });
    return this.getApproval(id)!;
  }

  // ── events ──
  /** `data` is checked by the EventBus before it gets here. */
  insertEvent<T extends EventType>(type: T, agent: string | null, data: EventDataOf<T>): HiveEventOf<T> {
    const ts = now();
    const info = this.sql('INSERT INTO events (ts, type, agent, data) VALUES (?, ?, ?, ?)').run(ts, type, agent, JSON.stringify(data));
    return { id: Number(info.lastInsertRowid), ts, type, agent, data };
  }
  /**
   * Newest first, typed. A row whose `data` no longer matches its type's schema (written by an
   * older daemon) comes back as the plain envelope rather than being dropped: narrow it with
   * `parseHiveEvent` before reading fields.
   */
  listEvents(o: { agent?: string; limit?: number; afterId?: number } = {}): (TypedHiveEvent | HiveEvent)[] {
    const limit = Math.min(Math.max(o.limit ?? 100, 1), 1000);
    const rows = (
      o.agent
        ? this.sql('SELECT * FROM events WHERE agent = ? AND id > ? ORDER BY id DESC LIMIT ?').all(o.agent, o.afterId ?? 0, limit)
        : this.sql('SELECT * FROM events WHERE id > ? ORDER BY id DESC LIMIT ?').all(o.afterId ?? 0, limit)
    ) as { id: number; ts: string; type: EventType; agent: string | null; data: string }[];
    return rows.map((r) => {
      const plain: HiveEvent = { ...r, data: JSON.parse(r.data) as Record<string, unknown> };
      return parseHiveEvent(plain) ?? plain;
    });
  }
  lastEventId(): number {
    return (this.sql('SELECT coalesce(max(id), 0) AS id FROM events').get() as { id: number }).id;
  }

  // ── questions ──
  insertQuestion(agent: string, question: string): Question {
    const info = this.sql('INSERT INTO questions (agent, question, created_at) VALUES (?, ?, ?)').run(agent, question, now());
    return this.getQuestion(Number(info.lastInsertRowid))!;
  }
  getQuestion(id: number): Question | undefined {
    const r = this.sql('SELECT * FROM questions WHERE id = ?').get(id) as QuestionRow | undefined;
    return r && toQuestion(r);
  }
  /** Open questions first, then the newest answered ones. */
  listQuestions(limit = 100): Question[] {
    const rows = this.sql('SELECT * FROM questions ORDER BY answer IS NOT NULL, id DESC LIMIT ?').all(limit) as QuestionRow[];
    return rows.map(toQuestion);
  }
  /** Records an answer once: false when already answered. */
  answerQuestion(id: number, answer: string): boolean {
    return this.sql('UPDATE questions SET answer = ?, answered_at = ? WHERE id = ? AND answer IS NULL').run(answer, now(), id).changes === 1;
  }

  // ── messages ──
  insertMessage(from: string, to: string, text: string): AgentMessage {
    const created_at = now();
    const info = this.sql('INSERT INTO messages (from_agent, to_agent, text, created_at) VALUES (?, ?, ?, ?)').run(from, to, text, created_at);
    return { id: Number(info.lastInsertRowid), from, to, text, created_at };
  }
  listMessages(limit = 100): AgentMessage[] {
    return this.db
      .prepare('SELECT id, from_agent AS "from", to_agent AS "to", text, created_at FROM messages ORDER BY id DESC LIMIT ?')
      .all(limit) as AgentMessage[];
  }

  // ── audit (append-only: the table's triggers refuse UPDATE and DELETE) ──
  appendAudit(e: Omit<AuditEntry, 'id' | 'ts'>): AuditEntry {
    const ts = now();
    const info = this.db
      .prepare('INSERT INTO audit (ts, actor, remote, action, target, outcome, detail) VALUES (@ts, @actor, @remote, @action, @target, @outcome, @detail)')
      .run({ ts, ...e });
    return { id: Number(info.lastInsertRowid), ts, ...e };
  }
  /** Newest first. */
  listAudit(o: { limit?: number; beforeId?: number } = {}): AuditEntry[] {
    const limit = Math.min(Math.max(o.limit ?? 200, 1), 5000);
    return this.db
      .prepare('SELECT id, ts, actor, remote, action, target, outcome, detail FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?')
      .all(o.beforeId ?? Number.MAX_SAFE_INTEGER, limit) as AuditEntry[];
  }

  // ── usage (one row per claude turn, as the harness reported it) ──
  insertTurn(agent: string, t: TurnUsage): void {
    this.db
      .prepare(
        `INSERT INTO turns (agent, turn, ts, cost_usd, input_tokens, output_tokens, num_turns, duration_ms, ok, model_usage)
         VALUES (@agent, @turn, @ts, @cost_usd, @input_tokens, @output_tokens, @num_turns, @duration_ms, @ok, @model_usage)`,
      )
      .run({ agent, ts: now(), ...t, ok: t.ok ? 1 : 0, model_usage: t.model_usage ? JSON.stringify(t.model_usage) : null });
  }
  /** Per agent: totals since `since` (ISO time), or over all time. */
  usageByAgent(since?: string): Map<string, UsageTotals> {
    const rows = this.db
      .prepare(
        `SELECT agent, sum(cost_usd) AS cost_usd, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, count(*) AS turns
         FROM turns WHERE ts >= ? GROUP BY agent`,
      )
      .all(since ?? '') as ({ agent: string } & UsageTotals)[];
    return new Map(rows.map(({ agent, ...u }) => [agent, u]));
  }

  // ── inbox (at-least-once delivery to harnesses) ──
  enqueueInbox(agent: string, item: unknown): number {
    return Number(this.sql('INSERT INTO inbox (agent, item, created_at) VALUES (?, ?, ?)').run(agent, JSON.stringify(item), now()).lastInsertRowid);
  }
  pendingInbox(agent: string): { id: number; item: unknown }[] {
    return (this.sql('SELECT id, item FROM inbox WHERE agent = ? AND delivered_at IS NULL ORDER BY id').all(agent) as { id: number; item: string }[]).map(
      (r) => ({ id: r.id, item: JSON.parse(r.item) }),
    );
  }
  agentsWithPendingInbox(): string[] {
    return (this.sql('SELECT DISTINCT agent FROM inbox WHERE delivered_at IS NULL').all() as { agent: string }[]).map((r) => r.agent);
  }
  markDelivered(id: number): void {
    this.sql('UPDATE inbox SET delivered_at = ? WHERE id = ?').run(now(), id);
  }
  dropInbox(agent: string): void {
    this.sql('DELETE FROM inbox WHERE agent = ?').run(agent);
  }
}
