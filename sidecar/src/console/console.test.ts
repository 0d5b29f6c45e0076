import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../agent/define-agent.js';
import { createTestSidecar } from '../testing/index.js';
import { ASSETS_DIR } from './console-assets.js';
import { CONSOLE_ASSETS, CONSOLE_PAGE, PACKAGE_ASSETS } from './console-manifest.js';
import { basicPassword } from './console-handler.js';

const TOKEN = 'console-token-0123456789';
const echo = defineAgent({
  name: 'echo',
  version: '1.0.0',
  input: z.object({ text: z.string() }),
  output: z.object({ text: z.string() }),
  run: ({ input }) => input,
});
const basic = (password: string, user = 'me') => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('console routes on a loopback bind', () => {
  const sidecar = createTestSidecar(echo);

  it('serves the page and each asset with a strict policy and a validator', async () => {
    for (const [path, type] of [['/console/', 'text/html'], ['/console/assets/console.js', 'text/javascript'], ['/console/assets/console.css', 'text/css'], ['/console/assets/sse-decoder.js', 'text/javascript']] as const) {
      const response = await sidecar.app.request(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toContain(type);
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('content-security-policy')).not.toContain('unsafe-inline');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    }
  });

  it('has no inline script or style in the page, and refers only to its own assets', async () => {
    const html = await (await sidecar.app.request('/console/')).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|<style/);
    expect(html).not.toMatch(/\s(?:src|href)="(?:https?:)?\/\//);
    for (const [, name] of html.matchAll(/(?:src|href)="assets\/([^"]+)"/g)) expect(CONSOLE_ASSETS).toContain(name);
  });

  it('serves the SDK decoder without its source map comment', async () => {
    const text = await (await sidecar.app.request('/console/assets/sse-decoder.js')).text();
    expect(text).toContain('export class SseDecoder');
    expect(text).not.toContain('sourceMappingURL');
  });

  it('answers HEAD like GET, without a body', async () => {
    const response = await sidecar.app.request('/console/', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toBe('');
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await sidecar.app.request('/console/assets/api.js');
    const again = await sidecar.app.request('/console/assets/api.js', { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('leads /console, /docs and /playground to the page, relative to where the sidecar is mounted', async () => {
    const expected = { '/console': [308, 'console/'], '/docs': [302, 'console/#docs'], '/playground': [302, 'console/#try'] } as const;
    for (const [path, [status, location]] of Object.entries(expected)) {
      const response = await sidecar.app.request(path);
      expect(response.status, path).toBe(status);
      expect(response.headers.get('location')).toBe(location);
    }
  });

  it('answers 405 with Allow to other methods, and 404 to names outside the manifest', async () => {
    const post = await sidecar.app.request('/console/', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await post.json()) as object).toMatchObject({ code: 'method_not_allowed' });
    expect((await sidecar.app.request('/console/assets/missing.js')).status).toBe(404);
    expect((await sidecar.app.request('/console/assets/%2e%2e/%2e%2e/config.js')).status).toBe(404);
  });

  it('applies the Host check (DNS rebinding) to the page', async () => {
    const response = await sidecar.app.request('/console/', { headers: { host: 'attacker.example' } });
    expect(response.status).toBe(403);
    expect((await response.json()) as object).toMatchObject({ code: 'forbidden_host' });
  });
});

describe('console routes with a token', () => {
  it('on loopback: the page loads without the token, the API still needs it', async () => {
    const sidecar = createTestSidecar(echo, { args: ['--token', TOKEN] });
    expect((await sidecar.app.request('/console/')).status).toBe(200);
    expect((await sidecar.app.request('/console/assets/console.js')).status).toBe(200);
    expect((await sidecar.app.request('/v1/agent')).status).toBe(401);
    // Exempt by exact path only: a path that normalises onto the API is not.
    expect((await sidecar.app.request('http://localhost/console/assets/../../v1/agent')).status).toBe(401);
  });

  it('elsewhere: the page needs the token, as Bearer or as the Basic password the browser asks for', async () => {
    const sidecar = createTestSidecar(echo, { args: ['--host', '0.0.0.0', '--token', TOKEN] });
    const bare = await sidecar.app.request('/console/');
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toMatch(/^Basic realm="Squire console"/);
    expect(bare.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect((await sidecar.app.request('/console/', { headers: { authorization: basic('wrong-token-0123456789') } })).status).toBe(401);
    expect((await sidecar.app.request('/console/', { headers: { authorization: basic(TOKEN) } })).status).toBe(200);
    expect((await sidecar.app.request('/console/assets/console.js', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await sidecar.app.request('/docs')).status).toBe(401);
  });

  it('elsewhere: Basic credentials unlock the page only, never the API', async () => {
    const sidecar = createTestSidecar(echo, { args: ['--host', '0.0.0.0', '--token', TOKEN] });
    expect((await sidecar.app.request('/v1/agent', { headers: { authorization: basic(TOKEN) } })).status).toBe(401);
  });

  it('on a unix socket: the page loads without the token', async () => {
    const sidecar = createTestSidecar(echo, { args: ['--socket', '/tmp/unused.sock', '--token', TOKEN] });
    expect((await sidecar.app.request('/console/')).status).toBe(200);
  });
});

describe('--console off', () => {
  it('serves none of the console paths', async () => {
    const sidecar = createTestSidecar(echo, { args: ['--console', 'off'] });
    for (const path of ['/console', '/console/', '/console/assets/console.js', '/docs', '/playground']) {
      expect((await sidecar.app.request(path)).status, path).toBe(404);
    }
  });
});

describe('the asset manifest', () => {
  it('names exactly the files of the assets folder, besides the ones from other packages', () => {
    const local = CONSOLE_ASSETS.filter((name) => PACKAGE_ASSETS[name] === undefined);
    expect(readdirSync(ASSETS_DIR).sort()).toEqual([CONSOLE_PAGE, ...local].sort());
  });
});

describe('basicPassword', () => {
  it('takes everything after the first colon, and nothing from other schemes', () => {
    expect(basicPassword(basic('a:b:c'))).toBe('a:b:c');
    expect(basicPassword(`Bearer ${TOKEN}`)).toBeUndefined();
    expect(basicPassword(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBeUndefined();
    expect(basicPassword(undefined)).toBeUndefined();
  });
});
