/**
 * @module
 * The application file (`squire.yaml`): the sidecars of one application in
 * one place — agent module, port or socket, token, data dir, environment —
 * read by `squire dev -f` to start them and by the SDK for their endpoints,
 * so the two never disagree. Relative paths are relative to the file.
 *
 * ```yaml
 * sidecars:
 *   echo:   { agent: ./agents/echo.ts, port: 7701 }
 *   slow:   { agent: ./agents/slow.ts, socket: ./.squire/slow.sock, env: { SQUIRE_SLOTS: "2" } }
 * ```
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { SquireConfigError } from '../errors.js';
import type { SidecarEntry } from '../options.js';

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const Env = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), scalar);

const SidecarSchema = z
  .strictObject({
    /** The agent module (.ts or .js). */
    agent: z.string().min(1),
    /** TCP port on `host`; or `socket`. */
    port: z.number().int().min(1).max(65535).optional(),
    /** Unix socket path; or `port`. */
    socket: z.string().min(1).optional(),
    /** Address to bind. @default 127.0.0.1 */
    host: z.string().min(1).optional(),
    /** Bearer token (for development; prefer `tokenFile`). */
    token: z.string().min(1).optional(),
    /** File holding the token. */
    tokenFile: z.string().min(1).optional(),
    /** @default .squire-data/<name> beside the file */
    dataDir: z.string().min(1).optional(),
    env: Env.optional(),
    /** More `squire-sidecar` flags, e.g. ["--slots", "2"]. */
    args: z.array(z.string()).optional(),
  })
  .refine((sidecar) => (sidecar.port === undefined) !== (sidecar.socket === undefined), { message: 'give exactly one of port or socket' })
  .refine((sidecar) => sidecar.token === undefined || sidecar.tokenFile === undefined, { message: 'give token or tokenFile, not both' });

const RestartSchema = z.strictObject({
  /** First delay before restarting a crashed sidecar, in ms. @default 500 */
  initialDelayMs: z.number().int().min(0).default(500),
  /** Largest delay; each crash in a row doubles it up to this, in ms. @default 30000 */
  maxDelayMs: z.number().int().min(0).default(30_000),
  /** A sidecar up this long has its delay reset, in ms. @default 30000 */
  resetAfterMs: z.number().int().min(0).default(30_000),
});

const AppFileSchema = z.strictObject({
  version: z.literal(1).optional(),
  /** Environment every sidecar gets (a sidecar's own `env` wins). */
  env: Env.optional(),
  restart: RestartSchema.optional(),
  sidecars: z.record(z.string(), SidecarSchema).superRefine((sidecars, ctx) => {
    if (Object.keys(sidecars).length === 0) ctx.addIssue({ code: 'custom', message: 'name at least one sidecar' });
    for (const name of Object.keys(sidecars)) {
      if (!NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: `the name must match ${NAME} (it is the agent's name for the client)` });
    }
  }),
});

export type RestartPolicy = z.output<typeof RestartSchema>;

/** One sidecar of the file, every path made absolute. */
export interface AppFileSidecar {
  name: string;
  agent: string;
  port: number | undefined;
  socket: string | undefined;
  host: string;
  token: string | undefined;
  dataDir: string;
  env: Record<string, string>;
  args: string[];
  /** The endpoint a client uses: `http://127.0.0.1:PORT` or `unix:/abs/path.sock`. */
  url: string;
}

export interface AppFile {
  /** Absolute path of the file. */
  path: string;
  sidecars: AppFileSidecar[];
  restart: RestartPolicy;
}

/**
 * Reads and checks an application file.
 * @throws {SquireConfigError} naming the file and every problem in it
 */
export async function readAppFile(path: string): Promise<AppFile> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new SquireConfigError(`cannot read the application file ${absolute}: ${(error as Error).message}`, { cause: error });
  }
  const { parse } = await import('yaml');
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new SquireConfigError(`${absolute} is not YAML: ${(error as Error).message}`, { cause: error });
  }
  const parsed = AppFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new SquireConfigError(`${absolute} is not a valid application file:\n${problems.join('\n')}`);
  }
  const dir = dirname(absolute);
  const at = (path: string) => (isAbsolute(path) ? path : resolve(dir, path));
  const sidecars = Object.entries(parsed.data.sidecars).map(([name, sidecar]): AppFileSidecar => {
    const socket = sidecar.socket === undefined ? undefined : at(sidecar.socket);
    const host = sidecar.host ?? '127.0.0.1';
    return {
      name,
      agent: at(sidecar.agent),
      port: sidecar.port,
      socket,
      host,
      token: sidecar.token ?? (sidecar.tokenFile === undefined ? undefined : readToken(at(sidecar.tokenFile), name)),
      dataDir: at(sidecar.dataDir ?? `.squire-data/${name}`),
      env: { ...parsed.data.env, ...sidecar.env },
      args: sidecar.args ?? [],
      url: socket ? `unix:${socket}` : `http://${clientHost(host)}:${sidecar.port}`,
    };
  });
  return { path: absolute, sidecars, restart: parsed.data.restart ?? RestartSchema.parse({}) };
}

/**
 * The sidecars of an application file as `createClient` takes them.
 * @example
 * const client = createClient({ sidecars: await sidecarsFromFile('squire.yaml'), timeoutMs: 5_000 });
 */
export async function sidecarsFromFile(path: string): Promise<Record<string, SidecarEntry>> {
  const file = await readAppFile(path);
  return Object.fromEntries(file.sidecars.map((sidecar) => [sidecar.name, { url: sidecar.url, ...(sidecar.token !== undefined && { token: sidecar.token }) }]));
}

function readToken(path: string, name: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new SquireConfigError(`sidecars.${name}.tokenFile: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** A wildcard bind is reached on loopback; IPv6 literals need brackets in a URL. */
function clientHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
