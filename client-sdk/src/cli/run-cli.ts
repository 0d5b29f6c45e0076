/**
 * @module
 * The dispatcher of `squire`: finds the command, prints the command list or a
 * command's usage, and turns a `UsageError` into exit 2. Each command lives in
 * `commands/<name>.ts` with its own flags and usage.
 */
import { EXIT, UsageError, type Command } from './command.js';
import type { CliIo } from './io.js';
import { callCommand } from './commands/call.js';
import { createCommand } from './commands/create.js';
import { describeCommand } from './commands/describe.js';
import { devCommand } from './commands/dev.js';
import { healthCommand } from './commands/health.js';
import { runsCommand } from './commands/runs.js';
import { typesCommand } from './commands/types.js';
import { ownManifest } from './own-manifest.js';

const COMMANDS: readonly Command[] = [callCommand, healthCommand, describeCommand, typesCommand, runsCommand, createCommand, devCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `Usage: squire <command> [arguments]   (squire <command> --help for its flags)

${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}`;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(`${usage()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') {
    io.stdout.write(`${ownManifest().version}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr.write(`squire: unknown command "${name}"\n\n${usage()}\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`Usage:\n${indent(command.usage)}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`squire ${command.name}: ${error.message}\n\nUsage:\n${indent(command.usage)}\n`);
    return EXIT.usage;
  }
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}
