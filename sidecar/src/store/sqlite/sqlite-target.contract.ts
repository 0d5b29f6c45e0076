/**
 * @module
 * The SQLite backend as a target of the store contract; also the module
 * the contract's crash child imports to open the same store.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store, StoreAgent } from '../store.js';
import type { StoreContractTarget } from '../contract/store.contract.js';
import { CONTRACT_AGENT } from '../contract/fixtures.contract.js';
import { openSqliteStore, type SqliteStore } from './index.js';

export async function openContractStore(location: string, agent: StoreAgent = CONTRACT_AGENT): Promise<Store> {
  return openSqliteStore({ dataDir: location, agent });
}

export const sqliteTarget: StoreContractTarget = {
  freshLocation: async () => mkdtempSync(join(tmpdir(), 'squire-contract-')),
  open: openContractStore,
  childModule: fileURLToPath(import.meta.url),
  async breakConnection(store) {
    // What a vanished disk looks like from inside: every statement fails.
    for (const db of Object.values((store as SqliteStore).databases)) db.close();
  },
  sharedByReplicas: false,
};
