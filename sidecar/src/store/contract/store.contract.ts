/**
 * @module
 * The store contract: what every backend of `../store.ts` must do, as one
 * suite that each backend's test file runs on itself —
 * `runStoreContract('sqlite', sqliteTarget)`, and likewise for a shared
 * database. It covers the promises (one transaction per method, lease
 * guards, replay of events, idempotency claims, session holds) and the
 * faults: poison in a batch, a process killed with kill -9 between steps
 * (store operations run in a child process that the suite kills), and a
 * store that is closed or unreachable (a typed, retryable error, never an
 * acknowledgement).
 */
import { afterEach, describe } from 'vitest';
import type { Store, StoreAgent } from '../store.js';
import { eventsAndKeysContract } from './events-keys.contract.js';
import { journalContract } from './journal.contract.js';
import { faultsContract } from './faults.contract.js';
import { crashContract } from './crash.contract.js';
import { runsContract } from './runs.contract.js';
import { sessionsContract } from './sessions.contract.js';

export interface StoreContractTarget {
  /** A new, empty location: a data directory for SQLite, a database or schema for a shared store. */
  freshLocation(): Promise<string>;
  /** Opens the store at `location`, for `agent` (the suite's own agent when absent). */
  open(location: string, agent?: StoreAgent): Promise<Store>;
  /**
   * A module a child process can import (run with tsx) that exports
   * `openContractStore(location: string): Promise<Store>`, opening the same
   * backend as `open` does.
   */
  childModule: string;
  /** Makes the backend unreachable under an open store (SQLite: its connections close; a server: it stops or drops them). */
  breakConnection(store: Store): Promise<void>;
  /** Whether several stores may be open on one location at once (replicas sharing a database). */
  sharedByReplicas: boolean;
}

/** What the parts of the suite share: opening stores that are closed after each test, and building runs and events. */
export interface ContractContext {
  target: StoreContractTarget;
  /** A store on a fresh location. */
  fresh(): Promise<{ store: Store; location: string }>;
  /** Another store on `location` (closed after the test). */
  open(location: string, agent?: StoreAgent): Promise<Store>;
}

export function runStoreContract(name: string, target: StoreContractTarget): void {
  describe(`store contract: ${name}`, () => {
    const opened: Store[] = [];
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close().catch(() => undefined);
    });
    const context: ContractContext = {
      target,
      async fresh() {
        const location = await target.freshLocation();
        const store = await target.open(location);
        opened.push(store);
        return { store, location };
      },
      async open(location, agent) {
        const store = await target.open(location, agent);
        opened.push(store);
        return store;
      },
    };
    runsContract(context);
    eventsAndKeysContract(context);
    sessionsContract(context);
    journalContract(context);
    faultsContract(context);
    crashContract(context);
  });
}
