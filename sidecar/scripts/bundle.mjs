// Build step after tsc: bundles the daemon (dist/cli.js and what it imports)
// into dist/bundle/, which dist/main.js starts. Loading ~300 ES modules one by
// one (resolve, read, compile, link each) was the largest part of a cold
// start on Node 20; one file and a few lazy chunks cost a fraction of it.
//
// Left outside the bundle, as separate modules loaded where they are today:
// - what an agent imports too, so the agent and the daemon share one
//   instance (`instanceof AgentError`, zod's classes, the agent brand):
//   zod and the modules of `@squire/sidecar`'s public entry (dist/index.js);
// - the native better-sqlite3, and packages loaded only on demand
//   (openai, pg, tsx, the OpenTelemetry SDK): `import()` keeps them lazy;
// - modules that find files next to themselves (the console's assets).
// Lazily imported modules of the sidecar's own become chunks of their own.
import { existsSync, rmSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const outdir = resolve(dist, 'bundle');
/** dist-relative modules that stay outside the bundle (see above). */
const SHARED_MODULES = new Set(['index.js', 'agent/define-agent.js', 'agent/chat-turns.js', 'agent/agent-error.js', 'errors.js', 'config.js', 'console/console-assets.js']);
const EXTERNAL_PACKAGES = /^((zod|better-sqlite3|openai|pg|tsx|@squire\/client\/contract)(\/|$)|@opentelemetry\/)/;

const keepOutside = {
  name: 'keep-outside',
  setup(builder) {
    builder.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (args.path.startsWith('.')) {
        const target = resolve(args.resolveDir, args.path);
        const inDist = relative(dist, target).split('\\').join('/');
        if (!SHARED_MODULES.has(inDist)) return undefined;
        return { path: `./${relative(outdir, target).split('\\').join('/')}`, external: true };
      }
      return EXTERNAL_PACKAGES.test(args.path) ? { path: args.path, external: true } : undefined;
    });
  },
};

if (!existsSync(resolve(dist, 'cli.js'))) throw new Error('dist/cli.js is missing: run tsc first');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [resolve(dist, 'cli.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  sourcemap: 'linked',
  // No comments or indentation: the source text stays in the heap as long as
  // the process lives, and one non-Latin-1 character in a comment (an em dash)
  // makes V8 keep all of it at two bytes per character. Names stay as written,
  // so stack traces read as before (the source map gives the lines).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [keepOutside],
  // CommonJS packages in the bundle (pino, hono's server adapter deps) call require() for Node's modules.
  banner: { js: "import { createRequire as createRequireOfBundle } from 'node:module'; const require = createRequireOfBundle(import.meta.url);" },
});
process.stdout.write(`bundled ${relative(dirname(dist), outdir)}\n`);
