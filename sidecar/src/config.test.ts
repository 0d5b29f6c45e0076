import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, loadConfig, redactConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the defaults of the schema', () => {
    const result = loadConfig(['--agent', 'a.ts'], {});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({ host: '127.0.0.1', port: 7700, slots: 4, queueMax: 64, maxBody: 1024 * 1024, graceMs: 25_000 });
  });

  it('takes every flag from its environment twin, and flags win', () => {
    const result = loadConfig(['--slots', '8'], { SQUIRE_AGENT: 'b.ts', SQUIRE_SLOTS: '2', SQUIRE_QUEUE_MAX: '5', SQUIRE_MAX_BODY: '512kb' });
    expect(result.ok && result.config).toMatchObject({ agent: 'b.ts', slots: 8, queueMax: 5, maxBody: 512 * 1024 });
  });

  it('keeps 0 values (port 0 picks a free port)', () => {
    const result = loadConfig(['--agent', 'a.ts', '--port', '0', '--queue-max', '0'], {});
    expect(result.ok && result.config).toMatchObject({ port: 0, queueMax: 0 });
  });

  it('takes the PostgreSQL store URL from --store, SQUIRE_STORE_URL or a file, checks it, and never shows its password', () => {
    const dir = mkdtempSync(join(tmpdir(), 'squire-config-'));
    const file = join(dir, 'store-url');
    writeFileSync(file, 'postgres://squire:s3cret@db.internal:5432/squire?sslmode=require\n');
    const fromFile = loadConfig(['--agent', 'a.ts', '--store-file', file], {});
    expect(fromFile.ok && fromFile.config).toMatchObject({ store: 'postgres://squire:s3cret@db.internal:5432/squire?sslmode=require', leaseMs: 10_000, storePoolMax: 10 });
    if (!fromFile.ok) return;
    expect(JSON.stringify(redactConfig(fromFile.config))).not.toContain('s3cret');
    expect(redactConfig(fromFile.config).store).toBe('postgres://squire:***@db.internal:5432/squire?sslmode=require');
    expect(loadConfig(['--agent', 'a.ts'], { SQUIRE_STORE_URL: 'postgresql://h/db' }).ok).toBe(true);
    const wrong = loadConfig(['--agent', 'a.ts', '--store', 'mysql://h/db', '--lease-ms', '10'], {});
    expect(!wrong.ok && wrong.problems.join('\n')).toMatch(/--store \(SQUIRE_STORE_URL\): must be a postgres:\/\/ or postgresql:\/\/ URL[\s\S]*--lease-ms/);
    const both = loadConfig(['--agent', 'a.ts', '--store', 'postgres://h/db', '--store-file', join(dir, 'missing')], {});
    expect(!both.ok && both.problems.join('\n')).toMatch(/both set[\s\S]*cannot read/);
  });

  it('names every problem at once', () => {
    const result = loadConfig(['--slots', 'x', '--max-body', '2gb'], {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    expect(text).toMatch(/--agent \(SQUIRE_AGENT\): is required/);
    expect(text).toMatch(/--slots \(SQUIRE_SLOTS\)/);
    expect(text).toMatch(/--max-body \(SQUIRE_MAX_BODY\)/);
  });

  it('checks options against each other once each is valid', () => {
    const result = loadConfig(['--agent', 'a', '--default-timeout-ms', '999999999'], {});
    expect(!result.ok && result.problems.join('\n')).toMatch(/--default-timeout-ms \(SQUIRE_DEFAULT_TIMEOUT_MS\): must not exceed/);
  });

  it('refuses a non-loopback bind without a token but accepts one with', () => {
    expect(loadConfig(['--agent', 'a', '--host', '0.0.0.0'], {}).ok).toBe(false);
    expect(loadConfig(['--agent', 'a', '--host', '0.0.0.0', '--token', 'x'.repeat(16)], {}).ok).toBe(true);
    expect(loadConfig(['--agent', 'a', '--host', '::1'], {}).ok).toBe(true);
  });

  it('serves the console unless --console off (or SQUIRE_CONSOLE=off), and names a bad value', () => {
    expect(loadConfig(['--agent', 'a'], {})).toMatchObject({ ok: true, config: { console: true } });
    expect(loadConfig(['--agent', 'a'], { SQUIRE_CONSOLE: 'off' })).toMatchObject({ ok: true, config: { console: false } });
    expect(loadConfig(['--agent', 'a', '--console', 'on'], { SQUIRE_CONSOLE: 'off' })).toMatchObject({ ok: true, config: { console: true } });
    const bad = loadConfig(['--agent', 'a', '--console', 'yes'], {});
    expect(!bad.ok && bad.problems).toEqual(['--console (SQUIRE_CONSOLE): must be on or off, got "yes"']);
  });

  it('redacts secrets for the start-up log', () => {
    const result = loadConfig(['--agent', 'a', '--token', 's'.repeat(20)], { OPENAI_API_KEY: 'sk-secret' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const logged = JSON.stringify(redactConfig(result.config));
    expect(logged).not.toContain('sssss');
    expect(logged).not.toContain('sk-secret');
    expect(logged).toContain('[redacted]');
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback names and addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '10.0.0.1', '::', 'example.com', '127.0.0.1.nip.io']) expect(isLoopbackHost(host)).toBe(false);
  });
});
