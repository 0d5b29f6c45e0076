#!/usr/bin/env node
/**
 * @module
 * The `squire` process: an operator's CLI over the SDK. Everything but the
 * process itself (argv, stdio, exit code) is in `cli/run-cli.ts`.
 * Exit codes: 0 done, 1 the operation failed, 2 bad usage.
 */
import { EXIT } from './cli/command.js';
import { processIo } from './cli/io.js';
import { runCli } from './cli/run-cli.js';

runCli(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`squire: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = EXIT.failed;
  },
);
