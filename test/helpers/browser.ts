/**
 * A real headless Chromium for the console's tests: Debian's `chromium`
 * (`.ci/run` installs it) driven by playwright-core, whose own browser
 * download is never used. Each page records what must never happen —
 * script errors, console errors (a CSP violation is one), requests to any
 * origin but the sidecar's — and screenshots go to `test/artifacts/console/`
 * (git-ignored) for a person to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './spawn-sidecar.js';

export const CHROMIUM = process.env.SQUIRE_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test/artifacts/console');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium; .ci/run does) or set SQUIRE_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-background-networking'] });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Script errors and console errors, as they happened. */
  problems: string[];
  /** Every request the page made to an origin other than `origin`. */
  foreignRequests: string[];
  close(): Promise<void>;
}

/** A fresh context (its own session storage) and page, watched against `origin`. */
export async function watchedPage(browser: Browser, origin: string): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const foreignRequests: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every 4xx the page handles (a 401 asking for the token, a 400 with issues) as a failed resource.
    if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) problems.push(`console error: ${message.text()}`);
  });
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin !== origin && url.protocol !== 'data:') foreignRequests.push(request.url());
  });
  return { context, page, problems, foreignRequests, close: () => context.close() };
}

/** Saves a full-page screenshot as `test/artifacts/console/<name>.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
