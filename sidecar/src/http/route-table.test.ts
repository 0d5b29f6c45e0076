import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '@squire/client/contract';
import { CONTRACT_ROUTES, RouteTable, honoPath } from './route-table.js';

const table = new RouteTable(CONTRACT_ROUTES);

describe('RouteTable', () => {
  it('labels paths by their template, and anything else as other', () => {
    expect(table.label('/v1/invoke')).toBe('/v1/invoke');
    expect(table.label('/v1/runs')).toBe('/v1/runs');
    expect(table.label('/v1/runs/run_123')).toBe('/v1/runs/:id');
    expect(table.label('/v1/runs/run_123/events')).toBe('/v1/runs/:id/events');
    expect(table.label('/v1/runs/run_123/cancel')).toBe('/v1/runs/:id/cancel');
    expect(table.label('/v1/runs/run_123/resume')).toBe('/v1/runs/:id/resume');
    expect(table.label('/v1/sessions/s-1')).toBe('/v1/sessions/:id');
    expect(table.label('/v1/runs/a/b/c')).toBe('other');
    expect(table.label('/v1/invoke/')).toBe('other');
    expect(table.label('/nope')).toBe('other');
  });

  it('answers the Allow header of each path from every method listed for it', () => {
    expect(table.allow('/v1/runs')).toBe('GET, POST');
    expect(table.allow('/v1/invoke')).toBe('POST');
    expect(table.allow('/v1/sessions/x')).toBe('GET, DELETE');
    expect(table.allow('/v1/runs/x/cancel')).toBe('POST');
    expect(table.allow('/v1/runs/x/resume')).toBe('POST');
    expect(table.allow('/unknown')).toBeUndefined();
  });

  it('refuses a route listed twice', () => {
    expect(() => new RouteTable([...CONTRACT_ROUTES, { method: 'POST', path: '/v1/invoke', operation: 'again' }])).toThrow(/listed twice/);
  });

  it('publishes exactly its routes in OpenAPI, with operation ids, and fails on an undocumented route', () => {
    const document = buildOpenApiDocument({ title: 't', version: '1' }) as { paths: Record<string, Record<string, unknown>> };
    const paths = table.openApiPaths(document.paths);
    const published = Object.entries(paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    expect(published.sort()).toEqual(CONTRACT_ROUTES.map((route) => `${route.method} ${route.path}`).sort());
    expect(paths['/v1/invoke']?.post).toEqual({ operationId: 'invoke', ...(document.paths['/v1/invoke']?.post as object) });
    expect(() => new RouteTable([{ method: 'GET', path: '/v1/nowhere', operation: 'nowhere' }]).openApiPaths(document.paths)).toThrow(/no GET \/v1\/nowhere/);
  });

  it('turns templates into Hono paths', () => {
    expect(honoPath('/v1/runs/{id}/events')).toBe('/v1/runs/:id/events');
  });
});
