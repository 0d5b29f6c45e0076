/**
 * @module
 * `squire call`: run an agent once and print its result, or stream its
 * events as JSON lines.
 */
import { EXIT, jsonOption, parseCommandArgs, positiveInt, type Command } from '../command.js';
import { printJson, printJsonLine } from '../io.js';
import { reportFailure, TARGET, TARGET_OPTIONS, TARGET_USAGE, targetClient } from '../target-client.js';

export const callCommand: Command = {
  name: 'call',
  summary: 'run an agent once and print its result (--stream: its events)',
  usage: `squire call <endpoint> --input <json> [--stream] [--idempotency-key K] [--token T] [--timeout-ms N]
${TARGET_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...TARGET_OPTIONS, input: { type: 'string' }, stream: { type: 'boolean' }, 'idempotency-key': { type: 'string' } });
    const input = jsonOption(values.input, '--input');
    const client = targetClient(positionals[0], values, io, positiveInt(values['timeout-ms'], '--timeout-ms'));
    const options = values['idempotency-key'] ? { idempotencyKey: values['idempotency-key'] } : {};
    try {
      const agent = client.agent(TARGET);
      if (values.stream) {
        for await (const event of agent.stream(input, options)) printJsonLine(io, event);
      } else {
        printJson(io, await agent.invoke(input, options));
      }
      return EXIT.ok;
    } catch (error) {
      return reportFailure(io, error);
    } finally {
      await client.destroy();
    }
  },
};
