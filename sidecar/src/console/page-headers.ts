/**
 * @module
 * The headers every console response carries. The page runs scripts of its
 * own origin only (no inline script, no `eval`, no third-party host), talks
 * only to its own sidecar, cannot be framed (clickjacking a Cancel button),
 * sends no Referer, and is never sniffed into another content type. Run
 * inputs and outputs are rendered as text, so even a hostile agent output
 * cannot inject script; the policy is the second wall.
 */

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // The older twin of frame-ancestors, for browsers that predate it.
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // Files change with the sidecar's version, not their names: revalidate with the ETag.
  'cache-control': 'no-cache',
};
