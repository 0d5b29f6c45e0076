/**
 * @module
 * The one idempotency ledger of the sidecar, for every route that takes an
 * `Idempotency-Key` (`POST /v1/invoke`, `POST /v1/runs`, and the protocol
 * routes built on them). Semantics as in the IETF draft and as Stripe does it:
 *
 * - the same key with the same body gets the first answer again: joining the
 *   first call while it still runs in this process, waiting for it when it
 *   runs in another replica, from the store once it ended (also after a
 *   restart) until the key expires;
 * - the same key with another body is 422 `idempotency_key_reused`, whether
 *   the first call is running or ended;
 * - keys are per route (`scope`): the same key on two routes is two keys;
 * - "the same body" means the same JSON value: the hash is taken over a
 *   canonical form (object keys sorted, no whitespace), so a retry that
 *   re-serialises its body differently is still the same request;
 * - only deterministic answers are kept: a retryable failure (deadline,
 *   drain, overload, upstream) releases the key, so the retry runs again.
 *
 * A claim (`claim`) ends in one of: `fresh` (this call runs), `joined`
 * (another call of this process runs it: share its answer), `stored` (an
 * answer is kept: replay it), `conflict` (another body) or `wait` (another
 * replica runs it: poll until it answers or gives up).
 */
import { hash as hashOnce } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SidecarError } from '../errors.js';
import type { IdempotencyKeyStore, KeyClaim, KeyTicket } from '../store/store.js';

export interface KeyedAnswer {
  status: number;
  body: string;
  contentType: string;
  retryAfter?: number | undefined;
  runId?: string | undefined;
  /** Whether to keep the answer for later calls with the same key. */
  keep: boolean;
  /** The operation stored the key itself, in its own transaction (a submission does). */
  storedByOperation?: boolean;
  /** The operation found the key already answered (another replica won the race). */
  replayed?: boolean;
}

export type ClaimDecision = 'fresh' | 'stored' | 'conflict' | 'wait';

/** How a store's answer to a claim decides this call's fate. */
export function decideClaim(claim: KeyClaim, bodyHash: string): ClaimDecision {
  if (claim.state === 'claimed') return 'fresh';
  if (claim.bodyHash !== bodyHash) return 'conflict';
  return claim.answer ? 'stored' : 'wait';
}

const KEY = /^[\x21-\x7e]{1,255}$/;

export function validateIdempotencyKey(key: string): string {
  if (!KEY.test(key)) throw new SidecarError('invalid_request', 'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces');
  return key;
}

/** SHA-256 of the body's canonical JSON: keys sorted at every level, no whitespace. */
export function bodyHash(body: unknown): string {
  // One-shot hashing: a Hash object per call costs several times more.
  return hashOnce('sha256', canonicalJson(body), 'hex');
}

/** JSON with object keys sorted; bodies are depth-limited when read, so recursion is bounded. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(item)}`);
  }
  return `{${parts.join(',')}}`;
}

export interface LedgerOptions {
  ttlMs: number;
  /** First pause while another replica holds a key; doubles up to `maxPollMs`. @default 25 */
  pollMs?: number;
  maxPollMs?: number;
  now?: () => number;
}

export class IdempotencyLedger {
  private readonly inflight = new Map<string, { bodyHash: string; answer: Promise<KeyedAnswer> }>();
  private readonly now: () => number;

  constructor(
    private readonly keys: IdempotencyKeyStore,
    private readonly options: LedgerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Runs `execute` at most once per (scope, key) and answers every call with
   * the same key and body from it. `deadline` (epoch ms) bounds the wait for
   * another replica's call.
   */
  async once(
    scope: string,
    key: string,
    bodyHash: string,
    deadline: number,
    execute: (ticket: KeyTicket) => Promise<KeyedAnswer>,
  ): Promise<{ answer: KeyedAnswer; replayed: boolean }> {
    return this.joinOrRun(scope, key, bodyHash, () => this.claimAndRun({ scope, key, bodyHash, deadline }, execute));
  }

  /**
   * As `once`, for an operation that stores the key itself, in the same
   * commit as its effect, and reports a key already taken (a run
   * submission): the store's own atomicity decides between two replicas, so
   * there is no claim before it and no release after it — two round trips
   * fewer. Calls of this process with the same key still join the first.
   */
  async onceStoredByOperation(
    scope: string,
    key: string,
    bodyHash: string,
    execute: (ticket: KeyTicket) => Promise<KeyedAnswer>,
  ): Promise<{ answer: KeyedAnswer; replayed: boolean }> {
    return this.joinOrRun(scope, key, bodyHash, async () => {
      const answer = await execute({ scope, key, bodyHash, expiresAt: this.now() + this.options.ttlMs });
      return { answer, replayed: answer.replayed === true, kept: DONE };
    });
  }

  /** Joins the call with this key already running in this process, or runs `run`, which others join until its answer is kept. */
  private async joinOrRun(scope: string, key: string, bodyHash: string, run: () => Promise<Outcome>): Promise<{ answer: KeyedAnswer; replayed: boolean }> {
    const id = `${scope}\u0000${key}`;
    const running = this.inflight.get(id);
    if (running) {
      if (running.bodyHash !== bodyHash) throw keyReused(key);
      return { answer: await running.answer, replayed: true };
    }
    let settle!: { resolve: (answer: KeyedAnswer) => void; reject: (error: unknown) => void };
    const answer = new Promise<KeyedAnswer>((resolve, reject) => (settle = { resolve, reject }));
    answer.catch(() => undefined); // joiners see the rejection; nobody else must
    this.inflight.set(id, { bodyHash, answer });
    let result: Outcome;
    try {
      result = await run();
    } catch (error) {
      this.inflight.delete(id);
      settle.reject(error);
      throw error;
    }
    settle.resolve(result.answer);
    // The answer goes out now; calls with this key keep joining it here until it is kept.
    void result.kept.finally(() => this.inflight.delete(id));
    return { answer: result.answer, replayed: result.replayed };
  }

  private async claimAndRun(
    { scope, key, bodyHash, deadline }: { scope: string; key: string; bodyHash: string; deadline: number },
    execute: (ticket: KeyTicket) => Promise<KeyedAnswer>,
  ): Promise<Outcome> {
    let pause = this.options.pollMs ?? 25;
    for (;;) {
      const now = this.now();
      const ticket: KeyTicket = { scope, key, bodyHash, expiresAt: now + this.options.ttlMs };
      const claim = await this.keys.claim(ticket, now, deadline);
      const decision = decideClaim(claim, bodyHash);
      if (decision === 'conflict') throw keyReused(key);
      if (decision === 'stored' && claim.state === 'held' && claim.answer) {
        const stored = claim.answer;
        return { answer: { status: stored.status, body: stored.body ?? '', contentType: contentTypeOf(stored.status), runId: stored.runId, keep: true }, replayed: true, kept: DONE };
      }
      if (decision === 'fresh') return this.run(ticket, execute);
      if (now + pause > deadline) {
        throw new SidecarError('deadline_exceeded', `a request with Idempotency-Key "${key}" is still running on another replica; retry with the same key to get its answer`, { retryAfter: 1 });
      }
      await sleep(pause);
      pause = Math.min(pause * 2, this.options.maxPollMs ?? 500);
    }
  }

  private async run(ticket: KeyTicket, execute: (ticket: KeyTicket) => Promise<KeyedAnswer>): Promise<Outcome> {
    let answer: KeyedAnswer;
    try {
      answer = await execute(ticket);
    } catch (error) {
      await this.keys.release(ticket).catch(() => undefined);
      throw error;
    }
    // Keeping the answer is not waited for: an answer that cannot be kept is still
    // this call's answer (a later retry would run again, as after a lost answer).
    const kept =
      answer.keep && !answer.storedByOperation
        ? this.keys.complete(ticket, { status: answer.status, body: answer.body, runId: answer.runId }).catch(() => this.keys.release(ticket))
        : this.keys.release(ticket);
    return { answer, replayed: answer.replayed === true, kept: kept.catch(() => undefined) };
  }
}

interface Outcome {
  answer: KeyedAnswer;
  replayed: boolean;
  /** Settles once the key holds the answer (or was released). */
  kept: Promise<void>;
}

const DONE: Promise<void> = Promise.resolve();

export function keyReused(key: string): SidecarError {
  return new SidecarError('idempotency_key_reused', `Idempotency-Key "${key}" was used with a different request body`);
}

function contentTypeOf(status: number): string {
  return status >= 400 ? 'application/problem+json' : 'application/json';
}
