/**
 * @module
 * Durable state of background runs and idempotency keys in SQLite
 * (`<data-dir>/runs.db`, WAL, `synchronous = FULL`): what the API
 * acknowledged is on disk. New runs are written by group commit — every
 * submission of the same tick goes into one transaction and all of them are
 * answered after its fsync — so durability does not cost a sync per request.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { RunError, RunEvent, RunRecord, RunStatus } from '@squire/client/contract';

export interface NewRun {
  id: string;
  input: unknown;
  sessionId: string | undefined;
  metadata: Record<string, string>;
  maxAttempts: number;
  timeoutMs: number;
  createdAt: number;
}

interface RunRow {
  id: string;
  status: RunStatus;
  input: string;
  output: string | null;
  error: string | null;
  usage: string | null;
  session_id: string | null;
  metadata: string;
  attempt: number;
  max_attempts: number;
  timeout_ms: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface StoredRun {
  id: string;
  status: RunStatus;
  input: unknown;
  sessionId: string | undefined;
  metadata: Record<string, string>;
  attempt: number;
  maxAttempts: number;
  timeoutMs: number;
}

export class RunStoreError extends Error {
  override readonly name = 'RunStoreError';
}

const MIGRATIONS = [
  `CREATE TABLE runs (
     id TEXT PRIMARY KEY,
     status TEXT NOT NULL,
     input TEXT NOT NULL,
     output TEXT,
     error TEXT,
     usage TEXT,
     session_id TEXT,
     metadata TEXT NOT NULL,
     attempt INTEGER NOT NULL DEFAULT 0,
     max_attempts INTEGER NOT NULL,
     timeout_ms INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     started_at INTEGER,
     finished_at INTEGER
   );
   CREATE INDEX runs_by_status ON runs(status, created_at, id);
   CREATE INDEX runs_by_creation ON runs(created_at, id);
   CREATE TABLE run_events (
     run_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     data TEXT NOT NULL,
     PRIMARY KEY (run_id, seq)
   ) WITHOUT ROWID;
   CREATE TABLE idempotency (
     scope TEXT NOT NULL,
     key TEXT NOT NULL,
     body_hash TEXT NOT NULL,
     run_id TEXT,
     status INTEGER,
     response TEXT,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (scope, key)
   ) WITHOUT ROWID;`,
];

export interface IdempotencyRecord {
  bodyHash: string;
  runId: string | null;
  status: number | null;
  response: string | null;
}

export class RunStore {
  readonly db: Database.Database;
  /**
   * A second connection with `synchronous = NORMAL` for answers kept under an
   * Idempotency-Key: in WAL mode they survive a process crash without an
   * fsync on the response path; only an OS crash could lose the last few,
   * which then run again on retry (as if the first answer had been lost).
   */
  private readonly relaxed: Database.Database;
  private pending: Array<{ run: NewRun; resolve: () => void; reject: (error: unknown) => void; idempotency?: { scope: string; key: string; hash: string; expiresAt: number } }> = [];
  private flushScheduled = false;
  private pendingEvents: Array<[string, number, string]> = [];
  private readonly statements;

  constructor(dataDir: string) {
    const file = join(dataDir, 'runs.db');
    try {
      mkdirSync(dataDir, { recursive: true });
      this.db = new Database(file, { timeout: 2000 });
      // Fails here, not later, on a file that is not a database or is locked.
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.migrate();
      this.db.pragma('quick_check');
      // Take the write lock once, so a file another process holds fails now.
      this.db.exec('BEGIN IMMEDIATE; ROLLBACK;');
      this.relaxed = new Database(file, { timeout: 2000 });
      this.relaxed.pragma('synchronous = NORMAL');
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      const hint =
        code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT'
          ? 'the file is not a valid database: restore it from a backup or move it away to start empty (its runs would be lost)'
          : code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
            ? 'another process holds a lock on it: is a second sidecar using the same --data-dir?'
            : (error as Error).message;
      throw new RunStoreError(`${file}: ${hint} (${code || 'error'})`);
    }
    this.statements = {
      insertRun: this.db.prepare(
        'INSERT INTO runs (id, status, input, session_id, metadata, max_attempts, timeout_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertKey: this.db.prepare('INSERT INTO idempotency (scope, key, body_hash, run_id, expires_at) VALUES (?, ?, ?, ?, ?)'),
      get: this.db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?'),
      queuedIds: this.db.prepare<[], { id: string }>("SELECT id FROM runs WHERE status = 'queued' ORDER BY created_at, id"),
      countQueued: this.db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM runs WHERE status = 'queued'"),
      claim: this.db.prepare<[number, string]>("UPDATE runs SET status = 'running', attempt = attempt + 1, started_at = ? WHERE id = ? AND status = 'queued'"),
      finish: this.db.prepare<[string, string | null, string | null, string | null, number, string, number]>(
        "UPDATE runs SET status = ?, output = ?, error = ?, usage = ?, finished_at = ? WHERE id = ? AND status = 'running' AND attempt = ?",
      ),
      requeue: this.db.prepare<[string, number]>("UPDATE runs SET status = 'queued', attempt = attempt - 1, started_at = NULL WHERE id = ? AND status = 'running' AND attempt = ?"),
      cancelQueued: this.db.prepare<[string, number, string]>("UPDATE runs SET status = 'cancelled', error = ?, finished_at = ? WHERE id = ? AND status = 'queued'"),
      recoverRunning: this.db.prepare<[], { id: string; attempt: number; max_attempts: number }>("SELECT id, attempt, max_attempts FROM runs WHERE status = 'running'"),
      setQueued: this.db.prepare<[string]>("UPDATE runs SET status = 'queued', started_at = NULL WHERE id = ?"),
      failRecovered: this.db.prepare<[string, number, string]>("UPDATE runs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?"),
      insertEvent: this.db.prepare<[string, number, string]>('INSERT OR IGNORE INTO run_events (run_id, seq, data) VALUES (?, ?, ?)'),
      eventsAfter: this.db.prepare<[string, number], { seq: number; data: string }>('SELECT seq, data FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq'),
      lastSeq: this.db.prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM run_events WHERE run_id = ?'),
      // Read on the connection that writes the answers: a write by the other
      // connection would drop this one's page cache, and the next lookup
      // would read its pages back from the file.
      getKey: this.relaxed.prepare<[string, string, number], { body_hash: string; run_id: string | null; status: number | null; response: string | null }>(
        'SELECT body_hash, run_id, status, response FROM idempotency WHERE scope = ? AND key = ? AND expires_at > ?',
      ),
      putResponse: this.relaxed.prepare<[string, string, string, string | null, number, string, number]>(
        'INSERT OR REPLACE INTO idempotency (scope, key, body_hash, run_id, status, response, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      expireKeys: this.db.prepare<[number]>('DELETE FROM idempotency WHERE expires_at <= ?'),
      purgeRuns: this.db.prepare<[number]>("DELETE FROM runs WHERE finished_at IS NOT NULL AND finished_at < ? AND status IN ('succeeded','failed','cancelled','timed_out')"),
      purgeEvents: this.db.prepare('DELETE FROM run_events WHERE run_id NOT IN (SELECT id FROM runs)'),
    };
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) throw new RunStoreError(`the database was written by a newer sidecar (schema ${version} > ${MIGRATIONS.length})`);
    for (let next = version; next < MIGRATIONS.length; next += 1) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[next]!);
        this.db.pragma(`user_version = ${next + 1}`);
      })();
    }
  }

  /**
   * Writes a new queued run (and its idempotency key) and resolves once the
   * transaction holding it has been committed to disk.
   */
  enqueue(run: NewRun, idempotency?: { scope: string; key: string; hash: string; expiresAt: number }): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ run, resolve, reject, ...(idempotency && { idempotency }) });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    const events = this.pendingEvents;
    this.pendingEvents = [];
    try {
      this.db.transaction(() => {
        for (const { run, idempotency } of batch) {
          this.statements.insertRun.run(run.id, 'queued', JSON.stringify(run.input ?? null), run.sessionId ?? null, JSON.stringify(run.metadata), run.maxAttempts, run.timeoutMs, run.createdAt);
          if (idempotency) this.statements.insertKey.run(idempotency.scope, idempotency.key, idempotency.hash, run.id, idempotency.expiresAt);
        }
        for (const event of events) this.statements.insertEvent.run(...event);
      })();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    for (const item of batch) item.resolve();
  }

  /** Buffers an event for the next group commit (progress and deltas need no fsync each). */
  appendEvent(event: RunEvent): void {
    this.pendingEvents.push([event.run_id, event.seq, JSON.stringify(event)]);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes buffered events now (before a terminal state is recorded). */
  flushEvents(): void {
    if (this.pendingEvents.length === 0) return;
    const events = this.pendingEvents;
    this.pendingEvents = [];
    this.db.transaction(() => {
      for (const event of events) this.statements.insertEvent.run(...event);
    })();
  }

  get(id: string): RunRecord | undefined {
    const row = this.statements.get.get(id);
    return row && toRecord(row);
  }

  getStored(id: string): StoredRun | undefined {
    const row = this.statements.get.get(id);
    if (!row) return undefined;
    return {
      id: row.id,
      status: row.status,
      input: JSON.parse(row.input) as unknown,
      sessionId: row.session_id ?? undefined,
      metadata: JSON.parse(row.metadata) as Record<string, string>,
      attempt: row.attempt,
      maxAttempts: row.max_attempts,
      timeoutMs: row.timeout_ms,
    };
  }

  queuedIds(): string[] {
    return this.statements.queuedIds.all().map((row) => row.id);
  }

  countQueued(): number {
    return this.statements.countQueued.get()!.n;
  }

  /** Marks a queued run running and counts the attempt; false if it was no longer queued. */
  claim(id: string, now: number): boolean {
    return this.statements.claim.run(now, id).changes === 1;
  }

  /** Records the end of one attempt — exactly once: only the attempt that is still running may finish it. */
  finish(id: string, attempt: number, status: RunStatus, result: { output?: unknown; error?: RunError; usage?: unknown }, now: number): boolean {
    this.flushEvents();
    const changes = this.statements.finish.run(
      status,
      result.output === undefined ? null : JSON.stringify(result.output),
      result.error ? JSON.stringify(result.error) : null,
      result.usage === undefined ? null : JSON.stringify(result.usage),
      now,
      id,
      attempt,
    ).changes;
    return changes === 1;
  }

  /** A drain put the run back: the attempt does not count. */
  requeue(id: string, attempt: number): boolean {
    this.flushEvents();
    return this.statements.requeue.run(id, attempt).changes === 1;
  }

  cancelQueued(id: string, now: number): boolean {
    return this.statements.cancelQueued.run(JSON.stringify({ code: 'cancelled', message: 'cancelled before it started' }), now, id).changes === 1;
  }

  /** On start: runs cut off while running go back to the queue, or fail past their attempts. */
  recover(now: number): { requeued: number; failed: number } {
    let requeued = 0;
    let failed = 0;
    this.db.transaction(() => {
      for (const row of this.statements.recoverRunning.all()) {
        if (row.attempt >= row.max_attempts) {
          const error: RunError = { code: 'max_attempts_exceeded', message: `the sidecar stopped during each of ${row.attempt} attempts`, retryable: false };
          this.statements.failRecovered.run(JSON.stringify(error), now, row.id);
          failed += 1;
        } else {
          this.statements.setQueued.run(row.id);
          requeued += 1;
        }
      }
    })();
    return { requeued, failed };
  }

  eventsAfter(id: string, seq: number): RunEvent[] {
    this.flushEvents();
    return this.statements.eventsAfter.all(id, seq).map((row) => JSON.parse(row.data) as RunEvent);
  }

  lastSeq(id: string): number {
    return this.statements.lastSeq.get(id)?.seq ?? 0;
  }

  list(options: { status?: RunStatus | undefined; limit: number; after?: { createdAt: number; id: string } | undefined }): RunRecord[] {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (options.status) {
      clauses.push('status = ?');
      params.push(options.status);
    }
    if (options.after) {
      clauses.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(options.after.createdAt, options.after.createdAt, options.after.id);
    }
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    const rows = this.db.prepare<unknown[], RunRow>(`SELECT * FROM runs ${where} ORDER BY created_at DESC, id DESC LIMIT ?`).all(...params, options.limit);
    return rows.map(toRecord);
  }

  createdAt(id: string): number | undefined {
    return this.statements.get.get(id)?.created_at;
  }

  idempotencyRecord(scope: string, key: string, now: number): IdempotencyRecord | undefined {
    const row = this.statements.getKey.get(scope, key, now);
    return row && { bodyHash: row.body_hash, runId: row.run_id, status: row.status, response: row.response };
  }

  saveResponse(scope: string, key: string, hash: string, runId: string | null, status: number, response: string, expiresAt: number): void {
    this.statements.putResponse.run(scope, key, hash, runId, status, response, expiresAt);
  }

  /** Deletes expired keys and finished runs past retention. */
  cleanup(now: number, retentionMs: number): void {
    this.statements.expireKeys.run(now);
    if (this.statements.purgeRuns.run(now - retentionMs).changes > 0) this.statements.purgeEvents.run();
  }

  close(): void {
    try {
      this.flush();
    } finally {
      this.relaxed.close();
      this.db.close();
    }
  }
}

function toRecord(row: RunRow): RunRecord {
  return {
    run_id: row.id,
    status: row.status,
    input: JSON.parse(row.input) as unknown,
    ...(row.output !== null && { output: JSON.parse(row.output) as unknown }),
    ...(row.error !== null && { error: JSON.parse(row.error) as RunError }),
    ...(row.usage !== null && { usage: JSON.parse(row.usage) as RunRecord['usage'] }),
    ...(row.session_id !== null && { session_id: row.session_id }),
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    attempt: row.attempt,
    max_attempts: row.max_attempts,
    created_at: new Date(row.created_at).toISOString(),
    ...(row.started_at !== null && { started_at: new Date(row.started_at).toISOString() }),
    ...(row.finished_at !== null && { finished_at: new Date(row.finished_at).toISOString() }),
  };
}
