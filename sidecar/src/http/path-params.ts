/**
 * @module
 * Path parameters of the route table's templates (`/v1/runs/{id}`). Hono
 * types a parameter of a handler registered from the table as optional;
 * the table guarantees it, so a missing one is a wiring bug.
 */
import type { Context } from 'hono';

export function pathParam(c: Context, name: string): string {
  const value = c.req.param(name);
  if (value === undefined) throw new Error(`the route of ${c.req.path} has no {${name}}`);
  return value;
}
