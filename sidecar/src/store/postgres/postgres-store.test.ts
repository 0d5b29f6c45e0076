import { afterAll, beforeAll } from 'vitest';
import { runStoreContract } from '../contract/store.contract.js';
import { startPostgresServer, type PostgresServer } from './postgres-server.contract.js';
import { postgresTarget } from './postgres-target.contract.js';

let server: PostgresServer | undefined;
beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await server?.destroy();
});

runStoreContract('postgres', postgresTarget(() => server!));
