/**
 * @module
 * The sidecar process, loaded by `main.ts`: config → dependencies → listen →
 * graceful drain on SIGTERM/SIGINT. Everything here is wiring; behaviour lives
 * in the modules it wires.
 */
import { constants } from 'node:os';
import { CONFIG_USAGE, dataDirOf, loadConfig, redactConfig } from './config.js';
import type { Logger } from 'pino';
import { createLogger, flushLogs } from './logger.js';
import { AgentLoadError, loadAgent } from './agent/load-agent.js';
import { isLlmAgent } from './agent/define-agent.js';
import { createSidecar } from './sidecar.js';
import { fastPathOf } from './app.js';
import { StoreOpenError } from './store/errors.js';
import { healthRoutes } from './routes/health.js';
import { listen, type Listening } from './server.js';
import { SIDECAR_VERSION } from './version.js';
import { sleep } from '@squire/client/internal';
import { loadTracing, type Tracing } from './telemetry/tracing.js';

const EXIT_CONFIG = 2;
/** The logger whose buffered access lines a crash writes out before the process ends. */
let rootLog: Logger | undefined;

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${CONFIG_USAGE}\n`);
    return;
  }
  if (argv.includes('--version')) {
    process.stdout.write(`${SIDECAR_VERSION}\n`);
    return;
  }
  const loaded = loadConfig(argv, process.env);
  if (!loaded.ok) return exitWithProblems(loaded.problems);
  const config = loaded.config;
  const log = createLogger({ level: config.logLevel });
  rootLog = log;

  let agent;
  try {
    agent = await loadAgent(config.agent);
  } catch (error) {
    flushLogs(log);
    if (error instanceof AgentLoadError) return exitWithProblems(error.problems);
    throw error;
  }
  let tracing: Tracing | undefined;
  try {
    tracing = await loadTracing(process.env, { serviceName: agent.name, serviceVersion: agent.version, sidecarVersion: SIDECAR_VERSION }, log);
  } catch (error) {
    log.fatal({ err: error }, 'cannot start the OpenTelemetry trace exporter');
    flushLogs(log);
    process.exit(EXIT_CONFIG);
  }
  let store;
  if (config.store !== undefined) {
    try {
      // The PostgreSQL client loads only for a sidecar that uses it.
      const { openPostgresStore } = await import('./store/postgres/index.js');
      store = await openPostgresStore({ url: config.store, agent: { name: agent.name, version: agent.version }, poolMax: config.storePoolMax });
    } catch (error) {
      flushLogs(log);
      // The message names the database without its password.
      const detail = error instanceof StoreOpenError ? error.message : `cannot open the store: ${(error as Error).message}`;
      return exitWithProblems([`--store (SQUIRE_STORE_URL): ${detail}`]);
    }
  }
  let sidecar;
  try {
    sidecar = createSidecar({ config, agent, log, tracing, ...(store && { store }) });
  } catch (error) {
    flushLogs(log);
    // A StoreOpenError names the directory or file, the holder or owner, and what to do.
    const detail = error instanceof StoreOpenError ? error.message : `cannot open the state in ${dataDirOf(config, agent.name)}: ${(error as Error).message}`;
    return exitWithProblems([`--data-dir (SQUIRE_DATA_DIR): ${detail}`]);
  }
  const { app, lifecycle } = sidecar;
  try {
    // The model client (the `openai` SDK) loads here only for agents that are
    // model calls; a code agent loads it on its first `ctx.llm` call, if ever.
    if (isLlmAgent(agent)) await sidecar.llm.warmUp?.();
  } catch (error) {
    log.fatal({ err: error }, 'cannot load the model client');
    flushLogs(log);
    process.exit(EXIT_CONFIG);
  }
  try {
    await sidecar.runs.start();
  } catch (error) {
    log.fatal({ err: error }, 'cannot resume the background runs of the store');
    flushLogs(log);
    process.exit(1);
  }

  let main: Listening;
  let health: Listening | undefined;
  try {
    main = await listen(app, { ...config, socket: config.socket, fastPath: fastPathOf(app) });
    if (config.healthPort !== undefined) {
      const healthApp = healthRoutes({
        lifecycle,
        store: sidecar.store,
        ...(agent.ready && { ready: agent.ready }),
        ...(config.metricsOnHealthPort && { metrics: sidecar.metrics.registry }),
      });
      health = await listen(healthApp, { ...config, host: config.healthHost, port: config.healthPort, socket: undefined });
    }
  } catch (error) {
    log.fatal({ err: error }, 'cannot listen');
    flushLogs(log);
    process.exit(EXIT_CONFIG);
  }
  lifecycle.markReady();
  log.info({ config: redactConfig(config) }, 'config');
  log.info(
    { address: main.address, ...(health && { healthAddress: health.address }), agent: agent.name, agentVersion: agent.version, model: sidecar.llm.descriptor },
    'listening',
  );

  let stopping = false;
  const drain = async (signal: NodeJS.Signals) => {
    if (stopping) {
      // As a shell reports death by that signal: 130 for SIGINT, 143 for SIGTERM.
      log.warn({ signal }, 'second signal: exiting now');
      flushLogs(log);
      process.exit(128 + (constants.signals[signal] ?? 0));
    }
    stopping = true;
    lifecycle.startDrain();
    sidecar.runs.stopAccepting();
    log.info({ signal, inFlight: lifecycle.inFlight, graceMs: config.graceMs }, 'draining');
    // Keep listening while draining: probes must see 503 and callers a clean
    // `draining` answer (with Connection: close) rather than a refused connection.
    const finished = await lifecycle.waitIdle(config.graceMs);
    if (!finished) {
      log.warn({ inFlight: lifecycle.inFlight }, 'grace period over: aborting the remaining runs');
      lifecycle.abortRemaining();
      await lifecycle.waitIdle(1000);
    }
    await main.waitForRequests(2000);
    await Promise.race([main.close(), sleep(1000, undefined, { unref: true })]);
    await health?.close();
    await sidecar.close();
    // The last spans (the drained runs') go out before the process ends.
    await tracing?.shutdown().catch((error: unknown) => log.warn({ err: error }, 'cannot export the last spans'));
    lifecycle.markStopped();
    log.info({ clean: finished }, 'stopped');
    flushLogs(log);
    process.exit(0);
  };
  process.on('SIGTERM', (signal) => void drain(signal));
  process.on('SIGINT', (signal) => void drain(signal));
}

function exitWithProblems(problems: string[]): never {
  process.stderr.write(`squire-sidecar: invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\n\n${CONFIG_USAGE}\n`);
  process.exit(EXIT_CONFIG);
}

// A bug that escapes every handler still ends the process (its state is
// unknown), but says why in the log first instead of dying silently.
process.on('uncaughtException', (error) => crash('uncaught exception', error));
process.on('unhandledRejection', (reason) => crash('unhandled rejection', reason));

function crash(kind: string, error: unknown): never {
  if (rootLog) flushLogs(rootLog);
  process.stderr.write(`squire-sidecar: fatal ${kind}: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`squire-sidecar: fatal: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
