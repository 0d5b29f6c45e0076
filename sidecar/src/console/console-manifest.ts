/**
 * @module
 * The console's files, by name. This list is the only set of names served:
 * no part of a request path ever reaches the file system, so there is
 * nothing to traverse, and the routes (and the bearer check's exact
 * exemptions) are known at start-up without touching the disk. The build
 * copies the local files into `dist`; a test checks the list against the
 * assets folder.
 */

/** The page itself, served at `/console/`. */
export const CONSOLE_PAGE = 'index.html';

/** Files served under `/console/assets/`, besides the page. */
export const CONSOLE_ASSETS = [
  'console.css',
  'icon.svg',
  'console.js',
  'api.js',
  'dom.js',
  'token.js',
  'tabs.js',
  'form-model.js',
  'form-view.js',
  'openapi-model.js',
  'agent-panel.js',
  'try-panel.js',
  'event-log.js',
  'runs-panel.js',
  'run-detail.js',
  'docs-panel.js',
  'schema-view.js',
  'sse-decoder.js',
] as const;

export type ConsoleAssetName = typeof CONSOLE_PAGE | (typeof CONSOLE_ASSETS)[number];

/**
 * Assets that come from another package: name → module specifier. The SSE
 * decoder is the SDK's own (a pure module with no imports), served as it
 * is, so the browser and the SDK read event streams with the same code.
 */
export const PACKAGE_ASSETS: Readonly<Partial<Record<ConsoleAssetName, string>>> = {
  'sse-decoder.js': '@squire/client/sse-decoder',
};
