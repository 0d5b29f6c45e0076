/**
 * @module
 * The sidecar's HTTP routes written once: method, path (OpenAPI template)
 * and operation. From this one list the app registers its handlers, answers
 * a wrong method with 405 and `Allow`, names the route in metrics, and
 * publishes the OpenAPI document's paths. Everything a request needs from
 * the table is computed here, once, at start-up.
 */

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface RouteSpec {
  readonly method: HttpMethod;
  /** OpenAPI template: `/v1/runs/{id}`. */
  readonly path: string;
  /** The OpenAPI `operationId`, and the key of the handler in the app. */
  readonly operation: string;
}

/** Contract v1 (`docs` and the OpenAPI document of `@squire/client/contract`). */
export const CONTRACT_ROUTES = [
  { method: 'GET', path: '/healthz', operation: 'getLiveness' },
  { method: 'GET', path: '/readyz', operation: 'getReadiness' },
  { method: 'GET', path: '/metrics', operation: 'getMetrics' },
  { method: 'GET', path: '/openapi.json', operation: 'getOpenApi' },
  { method: 'GET', path: '/v1/agent', operation: 'describeAgent' },
  { method: 'POST', path: '/v1/invoke', operation: 'invoke' },
  { method: 'GET', path: '/v1/runs', operation: 'listRuns' },
  { method: 'POST', path: '/v1/runs', operation: 'createRun' },
  { method: 'GET', path: '/v1/runs/{id}', operation: 'getRun' },
  { method: 'GET', path: '/v1/runs/{id}/events', operation: 'followRunEvents' },
  { method: 'POST', path: '/v1/runs/{id}/cancel', operation: 'cancelRun' },
  { method: 'POST', path: '/v1/runs/{id}/resume', operation: 'resumeRun' },
  { method: 'GET', path: '/v1/sessions/{id}', operation: 'getSession' },
  { method: 'DELETE', path: '/v1/sessions/{id}', operation: 'deleteSession' },
] as const satisfies readonly RouteSpec[];

export type ContractOperation = (typeof CONTRACT_ROUTES)[number]['operation'];

/** The metric label of a path no route matches: ids never become labels. */
export const OTHER_ROUTE = 'other';

interface PathEntry {
  /** Hono's form of the template (`/v1/runs/:id`), also the metric label. */
  readonly label: string;
  /** Methods of this path, as the `Allow` header lists them. */
  readonly allow: string;
}

/** The per-path answers of a route table, compiled once. */
export class RouteTable {
  readonly routes: readonly RouteSpec[];
  private readonly exact = new Map<string, PathEntry>();
  private readonly patterns: Array<[RegExp, PathEntry]> = [];

  constructor(routes: readonly RouteSpec[]) {
    this.routes = routes;
    const methods = new Map<string, HttpMethod[]>();
    for (const route of routes) {
      const seen = methods.get(route.path) ?? [];
      if (seen.includes(route.method)) throw new Error(`route ${route.method} ${route.path} is listed twice`);
      methods.set(route.path, [...seen, route.method]);
    }
    for (const [path, listed] of methods) {
      const entry: PathEntry = { label: honoPath(path), allow: listed.join(', ') };
      if (!path.includes('{')) this.exact.set(path, entry);
      else this.patterns.push([templatePattern(path), entry]);
    }
  }

  /** The metric label of a request path: its route's template, or `other`. */
  label(path: string): string {
    return this.entry(path)?.label ?? OTHER_ROUTE;
  }

  /** The `Allow` header of a path, `undefined` when no route has it. */
  allow(path: string): string | undefined {
    return this.entry(path)?.allow;
  }

  /**
   * The OpenAPI `paths` of these routes, each operation taken from
   * `documented` (keyed by template, then lower-case method) with its
   * `operationId`. A route without a documented operation is a bug caught
   * at start-up, and an operation without a route is not published.
   */
  openApiPaths(documented: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const route of this.routes) {
      const method = route.method.toLowerCase();
      const operation = documented[route.path]?.[method];
      if (typeof operation !== 'object' || operation === null) throw new Error(`the OpenAPI document has no ${route.method} ${route.path}`);
      (paths[route.path] ??= {})[method] = { operationId: route.operation, ...operation };
    }
    return paths;
  }

  private entry(path: string): PathEntry | undefined {
    const exact = this.exact.get(path);
    if (exact) return exact;
    for (const [pattern, entry] of this.patterns) if (pattern.test(path)) return entry;
    return undefined;
  }
}

/** `/v1/runs/{id}` → `/v1/runs/:id`. */
export function honoPath(template: string): string {
  return template.replace(/\{([^}]+)\}/g, ':$1');
}

function templatePattern(template: string): RegExp {
  const source = template
    .split(/\{[^}]+\}/)
    .map((literal) => literal.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${source}$`);
}
