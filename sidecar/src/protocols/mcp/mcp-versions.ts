/**
 * @module
 * The MCP revisions served, and which era a request belongs to. The
 * 2026-07-28 revision is stateless (no `initialize`, every request carries
 * its version and capabilities in `_meta`), so any replica answers any
 * request; the 2025 revisions open with `initialize`, and are served
 * statelessly too (see `mcp-rpc.ts`).
 */
export const MODERN_VERSION = '2026-07-28';
export const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'] as const;
export const SUPPORTED_VERSIONS = [MODERN_VERSION, ...LEGACY_VERSIONS];

export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
} as const;

export const MCP_CODES = {
  headerMismatch: -32020,
  unsupportedProtocolVersion: -32022,
  requestCancelled: -32800,
} as const;

/** A request carrying the per-request `_meta` envelope speaks the stateless era. */
export function requestVersion(params: Record<string, unknown> | undefined): string | undefined {
  const meta = params?._meta;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const version = (meta as Record<string, unknown>)[META.protocolVersion];
  return typeof version === 'string' ? version : undefined;
}

/** Decodes the `=?base64?…?=` sentinel MCP uses for header values that are not plain ASCII. */
export function decodeHeaderValue(value: string): string {
  const match = /^=\?base64\?(.*)\?=$/.exec(value);
  return match ? Buffer.from(match[1]!, 'base64').toString('utf8') : value;
}
