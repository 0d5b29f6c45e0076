/**
 * @module
 * Idempotency-Key semantics (IETF draft, as Stripe does it): the same key
 * with the same body gets the first answer again — from this process while
 * the first call is still running (it joins it), from disk afterwards, also
 * after a restart, until the key expires; the same key with another body is
 * 422. Only deterministic answers are stored: a retryable failure (deadline,
 * drain, overload, upstream) leaves the key free, so the retry runs again.
 */
import { hash as hashOnce } from 'node:crypto';
import { SidecarError } from '../errors.js';
import type { RunStore } from '../store/run-store.js';

export interface KeyedAnswer {
  status: number;
  body: string;
  contentType: string;
  retryAfter?: number | undefined;
  runId?: string | undefined;
  /** Whether to keep the answer for later calls with the same key. */
  keep: boolean;
}

const KEY = /^[\x21-\x7e]{1,255}$/;

export function validateIdempotencyKey(key: string): string {
  if (!KEY.test(key)) throw new SidecarError('invalid_request', 'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces');
  return key;
}

export function bodyHash(body: unknown): string {
  // One-shot hashing: a Hash object per call costs several times more.
  return hashOnce('sha256', JSON.stringify(body), 'hex');
}

export class IdempotentCalls {
  private readonly inflight = new Map<string, { hash: string; answer: Promise<KeyedAnswer> }>();

  constructor(
    private readonly store: RunStore,
    private readonly ttlMs: number,
  ) {}

  /** Runs `execute` once per (scope, key); returns its answer and whether it is a replay. */
  async run(scope: string, key: string, hash: string, execute: () => Promise<KeyedAnswer>): Promise<{ answer: KeyedAnswer; replayed: boolean }> {
    const id = `${scope}\u0000${key}`;
    const running = this.inflight.get(id);
    if (running) {
      if (running.hash !== hash) throw reused(key);
      return { answer: await running.answer, replayed: true };
    }
    const stored = this.store.idempotencyRecord(scope, key, Date.now());
    if (stored) {
      if (stored.bodyHash !== hash) throw reused(key);
      if (stored.response !== null && stored.status !== null) {
        return { answer: { status: stored.status, body: stored.response, contentType: contentTypeOf(stored.status), runId: stored.runId ?? undefined, keep: true }, replayed: true };
      }
    }
    const answer = execute();
    this.inflight.set(id, { hash, answer });
    try {
      const result = await answer;
      if (result.keep) this.store.saveResponse(scope, key, hash, result.runId ?? null, result.status, result.body, Date.now() + this.ttlMs);
      return { answer: result, replayed: false };
    } finally {
      this.inflight.delete(id);
    }
  }
}

function reused(key: string): SidecarError {
  return new SidecarError('idempotency_key_reused', `Idempotency-Key "${key}" was used with a different request body`);
}

function contentTypeOf(status: number): string {
  return status >= 400 ? 'application/problem+json' : 'application/json';
}
