/**
 * @module
 * The PostgreSQL backend as a target of the store contract: each location
 * is a fresh database on the test file's server (`POSTGRES_CONTRACT_URL`
 * names the server to the crash child). Also the module the crash child
 * imports to open the same store.
 */
import type { Store, StoreAgent } from '../store.js';
import type { StoreContractTarget } from '../contract/store.contract.js';
import { CONTRACT_AGENT } from '../contract/fixtures.contract.js';
import { openPostgresStore, type PostgresStore } from './index.js';
import type { PostgresServer } from './postgres-server.contract.js';

export async function openContractStore(location: string, agent: StoreAgent = CONTRACT_AGENT): Promise<Store> {
  return openPostgresStore({ url: location, agent, poolMax: 8, timeoutMs: 3000 });
}

function databaseOf(location: string): string {
  return new URL(location).pathname.slice(1);
}

export function postgresTarget(server: () => PostgresServer): StoreContractTarget {
  return {
    freshLocation: () => server().createDatabase(),
    async open(location, agent) {
      // A database cut off by `breakConnection` takes connections again.
      await server().admin(`ALTER DATABASE ${databaseOf(location)} WITH ALLOW_CONNECTIONS true`);
      return openContractStore(location, agent);
    },
    childModule: new URL(import.meta.url).pathname,
    async breakConnection(store) {
      // What a network partition looks like from inside: no new connection, and the open ones cut.
      const database = databaseOf((store as PostgresStore).database.options.connectionString);
      await server().admin(`ALTER DATABASE ${database} WITH ALLOW_CONNECTIONS false`);
      await server().admin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
    },
    sharedByReplicas: true,
  };
}
