/**
 * @module
 * `squire describe`: the sidecar's descriptor (`GET /v1/agent`).
 */
import { EXIT, parseCommandArgs, positiveInt, type Command } from '../command.js';
import { printJson } from '../io.js';
import { reportFailure, TARGET, TARGET_OPTIONS, TARGET_USAGE, targetClient } from '../target-client.js';

export const describeCommand: Command = {
  name: 'describe',
  summary: "the agent's descriptor: name, version, schemas, limits, model",
  usage: `squire describe <endpoint> [--token T] [--timeout-ms N]
${TARGET_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, TARGET_OPTIONS);
    const client = targetClient(positionals[0], values, io, positiveInt(values['timeout-ms'], '--timeout-ms'));
    try {
      printJson(io, await client.describe(TARGET));
      return EXIT.ok;
    } catch (error) {
      return reportFailure(io, error);
    } finally {
      await client.destroy();
    }
  },
};
