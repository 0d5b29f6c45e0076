/**
 * @module
 * `squire health`: liveness and readiness of one sidecar; exit 0 only when
 * it is both, so scripts and probes can use it as they are.
 */
import { EXIT, parseCommandArgs, type Command } from '../command.js';
import { printJson } from '../io.js';
import { reportFailure, TARGET, TARGET_OPTIONS, TARGET_USAGE, targetClient } from '../target-client.js';

export const healthCommand: Command = {
  name: 'health',
  summary: 'liveness and readiness of a sidecar (exit 0 when both)',
  usage: `squire health <endpoint> [--token T]
${TARGET_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, TARGET_OPTIONS);
    const client = targetClient(positionals[0], values, io);
    try {
      const health = await client.health(TARGET);
      printJson(io, health);
      return health.live && health.ready ? EXIT.ok : EXIT.failed;
    } catch (error) {
      return reportFailure(io, error);
    } finally {
      await client.destroy();
    }
  },
};
