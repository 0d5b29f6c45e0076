/**
 * @module
 * `squire dev -f squire.yaml`: start every sidecar of an application file,
 * restart crashed ones with back-off, drain all on Ctrl-C (SIGINT) or
 * SIGTERM and exit 0 when each drained cleanly; a second signal kills them.
 */
import { readAppFile } from '../../app-file/app-file.js';
import { SquireConfigError } from '../../errors.js';
import { EXIT, parseCommandArgs, UsageError, type Command } from '../command.js';
import { DevRunner } from '../dev/dev-runner.js';

export const devCommand: Command = {
  name: 'dev',
  summary: 'start the sidecars of an application file together (like dapr run -f)',
  usage: `squire dev [-f squire.yaml]
The file names each sidecar's agent, port or socket, token, data dir and environment;
the SDK reads the same file: createClient({ sidecars: await sidecarsFromFile('squire.yaml') }).
Ctrl-C drains every sidecar and exits 0 once all exited cleanly; a second Ctrl-C kills them.`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { file: { type: 'string', short: 'f' } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    let runner: DevRunner;
    try {
      runner = new DevRunner(await readAppFile(values.file ?? `${io.cwd}/squire.yaml`), io);
    } catch (error) {
      if (error instanceof SquireConfigError) {
        io.stderr.write(`squire dev: ${error.message}\n`);
        return EXIT.usage;
      }
      throw error;
    }
    return new Promise<number>((resolve) => {
      let signals = 0;
      const finish = (code: number) => {
        clearInterval(watchdog);
        for (const signal of SIGNALS) process.off(signal, onSignal);
        resolve(code);
      };
      const onSignal = (signal: NodeJS.Signals) => {
        signals += 1;
        if (signals === 1) return void runner.stop(signal).then(finish);
        runner.kill();
        finish(128 + (signal === 'SIGINT' ? 2 : 15));
      };
      for (const signal of SIGNALS) process.on(signal, onSignal);
      // A runner that dies any other way must not leave its sidecars behind.
      process.once('exit', () => runner.kill());
      const watchdog = setInterval(() => {
        if (runner.allFailed()) void runner.stop('every sidecar failed').then(() => finish(EXIT.failed));
      }, 500);
      runner.start();
    });
  },
};

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
