/**
 * @module
 * The store interface: everything a sidecar keeps beyond one process —
 * background runs, their events, idempotency keys and session memory — behind
 * one asynchronous interface, so the embedded SQLite backend (`./sqlite`, one
 * owner per data directory) and a shared database for replicas of one agent
 * (competing consumers on many hosts) keep the same promises. Every backend
 * must pass the contract suite in `./contract/store.contract.ts`.
 *
 * Rules every backend follows:
 * - **One method, one transaction.** Each write method commits all of its
 *   effects together or none of them (a run's state change and the event
 *   that announces it are never apart). A backend may commit several calls
 *   in one transaction (group commit), but a call that fails must fail alone:
 *   the others are committed, and each promise resolves only once its call
 *   is committed.
 * - **Guards, not trust.** A running run belongs to the owner and attempt of
 *   its lease (`Lease`). Writes for a running run (events, finish, requeue,
 *   renewal) apply only while that lease holds, so with competing consumers a
 *   replica that lost a run can no longer record anything for it: each
 *   output is recorded once.
 * - **JSON in, JSON out.** Inputs, outputs, metadata and events arrive as JSON
 *   text serialised by the caller (see `stored-json.ts`); the store never
 *   serialises a caller's value, so it cannot fail on one.
 * - **Typed failures.** An unreachable or closed store rejects with
 *   `StoreUnavailableError` (503 `store_unavailable`, retryable); nothing is
 *   acknowledged that is not committed.
 * - **Time is a parameter.** Methods that compare times take `now` (epoch
 *   ms), so tests drive leases and expiry without sleeping.
 */
import type { RunError, RunEventType, RunRecord, RunStatus, Session, SessionMessage } from '@squire/client/contract';

export interface Store {
  /** This store instance's identity in leases and key claims (host, pid, random). */
  readonly owner: string;
  readonly runs: RunStore;
  readonly events: RunEventStore;
  readonly journal: RunJournalStore;
  readonly keys: IdempotencyKeyStore;
  readonly sessions: SessionStore;
  /** Resolves when the backend answers; rejects with `StoreUnavailableError` when it does not. */
  ping(): Promise<void>;
  /** Commits what was already accepted, then lets go of connections and locks. Idempotent. */
  close(): Promise<void>;
}

/** The agent a store belongs to: another agent's name is refused at open. */
export interface StoreAgent {
  name: string;
  version: string;
}

// ---------------------------------------------------------------- runs

export interface NewRun {
  id: string;
  /** The run's input as JSON text. */
  input: string;
  sessionId: string | undefined;
  /** `Record<string, string>` as JSON text. */
  metadata: string;
  maxAttempts: number;
  timeoutMs: number;
  createdAt: number;
}

/** Who may write for a running run: the owner that claimed it, for that attempt. */
export interface Lease {
  runId: string;
  owner: string;
  attempt: number;
}

/** A run taken from the queue by `claimNext`, with the `run.started` event the claim wrote. */
export interface ClaimedRun {
  lease: Lease;
  input: unknown;
  sessionId: string | undefined;
  metadata: Record<string, string>;
  maxAttempts: number;
  timeoutMs: number;
  /** The attempt's events continue after `started.seq`. */
  started: StoredEvent;
}

export type FinalRunStatus = Exclude<RunStatus, 'queued' | 'running'>;

export interface RunResult {
  status: FinalRunStatus;
  /** JSON text of the output (succeeded runs). */
  output?: string | undefined;
  error?: RunError | undefined;
  /** JSON text of the usage. */
  usage?: string | undefined;
}

export type SubmitResult = { created: true } | { created: false; runId: string; bodyHash: string };

export type CancelOutcome =
  /** It was queued: it is now `cancelled`, with its `run.failed` event, in one transaction. */
  | 'cancelled'
  /** It is running: the cancel is recorded; its owner aborts it (at once if local, else at its next renewal). */
  | 'requested'
  /** It had already ended: nothing changed. */
  | 'finished';

export interface RunListQuery {
  status?: RunStatus | undefined;
  limit: number;
  /** Keyset cursor: runs created before this one. */
  after?: { createdAt: number; id: string } | undefined;
}

export interface RunStore {
  /**
   * Writes a queued run, and with `key` its idempotency key pointing at it,
   * in one transaction. If `key` is already held by an unexpired entry
   * (another replica won the race), nothing is written and the holder's run
   * id and body hash come back for the caller to replay or refuse.
   */
  submit(run: NewRun, key?: KeyTicket): Promise<SubmitResult>;
  /**
   * Takes up to `limit` queued runs, oldest first, for this store's owner:
   * status `running`, `attempt` + 1, a lease until `now + leaseMs`, and each
   * run's `run.started` event — one transaction. Competing consumers never
   * take the same run (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  claimNext(now: number, leaseMs: number, limit: number): Promise<ClaimedRun[]>;
  /**
   * Ends an attempt: the final state and its terminal event (`run.completed`
   * or `run.failed`, numbered by the caller after the attempt's last event)
   * in one transaction — only while `lease` holds. False (nothing written)
   * when it does not: the run was reclaimed, cancelled or already finished.
   */
  finish(lease: Lease, result: RunResult, terminal: StoredEvent, now: number): Promise<boolean>;
  /** A drain hands the run back: queued again, the attempt not counted. Guarded by the lease. */
  requeue(lease: Lease): Promise<boolean>;
  /**
   * Pauses a running attempt for a decision: status `input_required` with
   * `awaiting` (JSON text) until `until`, and its `run.input_required` event,
   * in one transaction; the lease ends and the attempt is not counted (the
   * run resumes as the same attempt). Guarded by the lease.
   */
  pause(lease: Lease, awaiting: string, event: StoredEvent, until: number): Promise<boolean>;
  /**
   * Answers a paused run: `decision` goes into its journal and the run is
   * queued again, in one transaction. False (nothing written) when the run
   * is not paused: answered already, cancelled, ended, or no such run.
   */
  resume(runId: string, decision: JournalEntry): Promise<boolean>;
  /** Cancels a run, idempotently; `undefined` when there is no such run. */
  cancel(runId: string, now: number): Promise<{ outcome: CancelOutcome; record: RunRecord } | undefined>;
  /**
   * Heartbeat: extends the leases of this owner's running `runIds` to
   * `now + leaseMs`. Returns the runs whose lease this owner no longer holds
   * (stop them: their results would not be recorded) and those with a
   * cancel requested (abort them).
   */
  renew(runIds: readonly string[], now: number, leaseMs: number): Promise<{ lost: string[]; cancelRequested: string[] }>;
  /**
   * Replaces start-up recovery: runs whose lease expired (their owner died)
   * go back to the queue, their attempt counted (the next claim numbers it),
   * or fail with `max_attempts_exceeded` and their `run.failed` event once
   * they used all attempts — never a state change without its event. Paused
   * runs nobody answered by their `until` end `timed_out` (counted in
   * `failed`), with their `run.failed` event. Runs
   * on start-up and on every heartbeat. A backend may reclaim earlier
   * when it knows the holder is dead: SQLite's data-directory lock proves
   * that every other owner's runs were cut off.
   */
  reclaimExpired(now: number): Promise<{ requeued: number; failed: number }>;
  get(runId: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  list(query: RunListQuery): Promise<RunRecord[]>;
  countQueued(): Promise<number>;
  /** Calls `listener` after runs were queued (submitted, requeued, reclaimed), by any owner. */
  watchQueue(listener: () => void): () => void;
  /** Deletes finished runs (and their events and journals) that ended before `before`. */
  purgeFinished(before: number): Promise<number>;
}

// ---------------------------------------------------------------- events

/** One stored event of a run: its number, its type and the whole event as JSON text. */
export interface StoredEvent {
  seq: number;
  type: RunEventType;
  data: string;
}

export interface RunEventStore {
  /**
   * Appends events of a running attempt (numbered by the caller), in one
   * transaction, only while `lease` holds; false (nothing written) otherwise.
   */
  append(lease: Lease, events: readonly StoredEvent[]): Promise<boolean>;
  /** Events with `seq > afterSeq`, in order, at most `limit`. */
  after(runId: string, afterSeq: number, limit: number): Promise<StoredEvent[]>;
  /** The `seq` of the run's last stored event; 0 before any. */
  lastSeq(runId: string): Promise<number>;
  /**
   * Calls `onCommitted` after new events of `runId` were committed, by any
   * owner (SQLite: in process; a shared database: LISTEN/NOTIFY or polling).
   * Followers then read `after(lastSeq)`: a wake-up carries no events, so a
   * missed or merged one loses nothing.
   */
  watch(runId: string, onCommitted: () => void): () => void;
}

// ---------------------------------------------------------------- step journal

/**
 * One step of a run, recorded before the next step starts: a model call's
 * answer (`model:<n>`), a tool call's result (`tool:<call id>`), a decision
 * on a paused call (`approval:<call id>`). The data is JSON text.
 */
export interface JournalEntry {
  key: string;
  data: string;
}

export interface RunJournalStore {
  /**
   * Records a step of a running attempt, durably, only while `lease` holds;
   * false (nothing written) otherwise. A key already recorded keeps its
   * first data (a step is recorded once).
   */
  record(lease: Lease, entry: JournalEntry): Promise<boolean>;
  /** Every recorded step of the run, in the order recorded. */
  read(runId: string): Promise<JournalEntry[]>;
}

// ---------------------------------------------------------------- idempotency keys

/** One Idempotency-Key of one route, with the hash of the body it came with. */
export interface KeyTicket {
  /** The route family: `invoke`, `runs`, … A key is independent per scope. */
  scope: string;
  key: string;
  bodyHash: string;
  /** When a stored answer is forgotten. */
  expiresAt: number;
}

export interface StoredAnswer {
  status: number;
  /** The response body as sent; absent for a submission (the answer is its run). */
  body: string | undefined;
  runId: string | undefined;
}

export type KeyClaim =
  /** Nobody holds the key: this owner does now, until it completes or releases it. */
  | { state: 'claimed' }
  /** Someone holds it: with `answer` once the first call ended, without while it is still running. */
  | { state: 'held'; bodyHash: string; answer: StoredAnswer | undefined };

export interface IdempotencyKeyStore {
  /**
   * Claims the key for this owner, atomically across owners: exactly one
   * concurrent claimant gets `claimed`. An unanswered claim lapses at
   * `heldUntil` (its holder died or gave up), so a later claim can take it.
   */
  claim(ticket: KeyTicket, now: number, heldUntil: number): Promise<KeyClaim>;
  /** Stores the answer of a claimed key (the claim ends). */
  complete(ticket: KeyTicket, answer: StoredAnswer): Promise<void>;
  /** Gives up an unanswered claim, so the next call runs again; an answered key is left as it is. */
  release(ticket: KeyTicket): Promise<void>;
  /** Deletes keys expired at `now`. */
  expire(now: number): Promise<number>;
}

// ---------------------------------------------------------------- sessions

export interface StoredMessage extends SessionMessage {
  /** Approximate tokens, counted once when the message is stored. */
  tokens: number;
}

export interface SessionHold {
  /** Lets the next holder in; idempotent. */
  release(): Promise<void>;
}

export interface SessionStore {
  /**
   * Waits until no one else holds the session (across owners), then holds
   * it: one run per session at a time. Rejects with `signal`'s reason if it
   * aborts first, without blocking those waiting behind.
   */
  hold(sessionId: string, signal: AbortSignal): Promise<SessionHold>;
  /** The last `limit` messages, oldest first. */
  recent(sessionId: string, limit: number): Promise<StoredMessage[]>;
  /** Appends messages (and touches the session) in one transaction. */
  append(sessionId: string, messages: readonly StoredMessage[], now: number): Promise<void>;
  /** The position of the session's last message (0 for none): where a run's own messages will start after. */
  lastSeq(sessionId: string): Promise<number>;
  /** Removes the messages after position `afterSeq` (a rolled-back run's); how many were removed. */
  truncate(sessionId: string, afterSeq: number): Promise<number>;
  get(sessionId: string): Promise<Session | undefined>;
  /** False if there was no such session. */
  delete(sessionId: string): Promise<boolean>;
  /** Forgets sessions not touched since `idleBefore`. */
  expire(idleBefore: number): Promise<number>;
}
