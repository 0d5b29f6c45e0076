#!/usr/bin/env node
/**
 * @module
 * `squire`: an operator's CLI over the SDK.
 *
 *   squire call <url|unix:/path> --input '{"text":"hi"}' [--token T] [--timeout-ms N] [--stream]
 *   squire health <url|unix:/path>
 *   squire describe <url|unix:/path>
 *   squire types <url|unix:/path> [--out FILE] [--name TypeName]
 *
 * Prints JSON on stdout; on failure prints the error code and message on
 * stderr and exits 1 (2 for usage errors).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createClient } from './client.js';
import { isSquireError } from './errors.js';
import { agentTypesModule } from './typegen/agent-types-module.js';

const USAGE = `Usage:
  squire call <endpoint> --input <json> [--token T] [--timeout-ms N] [--stream] [--idempotency-key K]
  squire health <endpoint> [--token T]
  squire describe <endpoint> [--token T]
  squire types <endpoint> [--out FILE] [--name TypeName] [--token T]
      TypeScript types of the agent's input and output, from its descriptor

<endpoint> is http://host:port, https://host:port or unix:/path/to.sock.
The token may also come from SQUIRE_TOKEN.`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        input: { type: 'string' },
        token: { type: 'string' },
        'timeout-ms': { type: 'string' },
        'idempotency-key': { type: 'string' },
        stream: { type: 'boolean' },
        out: { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, endpoint] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  if (!endpoint || !['call', 'health', 'describe', 'types'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const timeoutMs = values['timeout-ms'] !== undefined ? Number(values['timeout-ms']) : undefined;
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    process.stderr.write(`--timeout-ms must be a positive integer, got ${values['timeout-ms']}\n`);
    return 2;
  }
  const token = values.token ?? process.env.SQUIRE_TOKEN;
  const client = createClient({ sidecars: { target: { url: endpoint, ...(token && { token }) } }, ...(timeoutMs && { timeoutMs }) });
  try {
    if (command === 'health') {
      const health = await client.health('target');
      print(health);
      return health.live && health.ready ? 0 : 1;
    }
    if (command === 'describe') {
      print(await client.describe('target'));
      return 0;
    }
    if (command === 'types') {
      if (values.name !== undefined && !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(values.name)) {
        process.stderr.write(`--name must be a TypeScript identifier, got ${values.name}\n`);
        return 2;
      }
      const module = agentTypesModule(await client.describe('target'), { name: values.name });
      if (values.out) writeFileSync(values.out, module);
      else process.stdout.write(module);
      return 0;
    }
    let input: unknown;
    try {
      input = JSON.parse(values.input ?? 'null');
    } catch (error) {
      process.stderr.write(`--input is not JSON: ${(error as Error).message}\n`);
      return 2;
    }
    const callOptions = values['idempotency-key'] ? { idempotencyKey: values['idempotency-key'] } : {};
    if (values.stream) {
      for await (const event of client.agent('target').stream(input, callOptions)) process.stdout.write(`${JSON.stringify(event)}\n`);
      return 0;
    }
    print(await client.agent('target').invoke(input, callOptions));
    return 0;
  } catch (error) {
    if (isSquireError(error)) {
      process.stderr.write(`${error.code}: ${error.message}\n`);
      if (error.problem?.issues) process.stderr.write(`${JSON.stringify(error.problem.issues, null, 2)}\n`);
    } else {
      process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    }
    return 1;
  } finally {
    await client.destroy();
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  },
);
