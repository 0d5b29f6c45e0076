/**
 * The console in a real headless Chromium against real sidecar processes:
 * the generated form, a streamed answer seen while the model is still
 * answering, background runs listed with their final status and their
 * events replayed, cancel, the raw-JSON editor, a token-protected sidecar,
 * the API reference. Every page is checked for script and console errors
 * (a Content-Security-Policy violation is one) and for requests to any
 * origin but its sidecar's.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startOpenAiTestServer, type OpenAiTestServer } from '@squire/sidecar/testing';
import { startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http } from '../helpers/http.js';
import { launchChromium, screenshot, watchedPage, type WatchedPage } from '../helpers/browser.js';

const TOKEN = 'console-e2e-token-0123456789';
let browser: Browser;
let watched: WatchedPage | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stopAllSidecars();
});
afterEach(async () => {
  if (!watched) return;
  const { problems, foreignRequests } = watched;
  await watched.close();
  watched = undefined;
  expect(problems).toEqual([]);
  expect(foreignRequests).toEqual([]);
});

async function open(sidecar: RunningSidecar, path = '/console/'): Promise<Page> {
  watched = await watchedPage(browser, new URL(sidecar.url).origin);
  await watched.page.goto(`${sidecar.url}${path}`);
  return watched.page;
}

const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent()) ?? '';

describe('Try: the generated form and a streamed call', () => {
  let model: OpenAiTestServer;
  let sidecar: RunningSidecar;
  beforeAll(async () => {
    model = await startOpenAiTestServer();
    sidecar = await startSidecar({ agent: 'assistant', env: { OPENAI_BASE_URL: model.baseURL, OPENAI_API_KEY: 'test-key' } });
  });
  afterAll(async () => {
    await sidecar?.stop();
    await model?.close();
  });

  it('shows the answer as it streams, before the model has finished, then the output', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const answer = '{"answer":"Light rain, 14 °C.","city":"Paris","temperature_c":14}';
    model.script(
      { kind: 'tool_calls', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
      { kind: 'text', content: answer, chunks: 4, pause: { afterChunks: 2, until: gate } },
    );
    const page = await open(sidecar, '/playground');
    expect(new URL(page.url()).pathname + new URL(page.url()).hash).toBe('/console/#try');
    await page.getByLabel('question').fill('What is the weather in Paris?');
    await page.getByRole('button', { name: 'Run', exact: true }).click();

    const streamed = page.getByLabel('Call: streamed text');
    const half = answer.slice(0, 2 * Math.ceil(answer.length / 4));
    await expect.poll(() => streamed.textContent()).toBe(half);
    expect(await text(page, '.run-status')).toContain('running');
    expect(await page.locator('#panel-try .events').textContent()).not.toContain('run.completed');
    await screenshot(page, 'try-streaming');

    release();
    await expect.poll(() => text(page, '.run-status')).toContain('succeeded');
    expect(await streamed.textContent()).toBe(answer);
    const output = JSON.parse((await page.getByLabel('Call: output').textContent()) ?? 'null');
    expect(output).toEqual(JSON.parse(answer));
    const events = await page.locator('#panel-try .events .event-type').allTextContents();
    expect(events).toEqual(['run.started', 'run.tool_call', 'run.tool_result', 'run.delta', 'run.completed']);
    await screenshot(page, 'try-done');
  });

  it('Stop closes the stream, and the sidecar sees the caller go', async () => {
    model.script({ kind: 'hang' });
    const page = await open(sidecar);
    await page.getByLabel('question').fill('Anything');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => model.requests.length).toBeGreaterThan(0);
    const before = model.disconnects;
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => text(page, '.run-status')).toContain('stopped');
    await expect.poll(() => model.disconnects).toBe(before + 1);
  });
});

describe('the form, every kind of field, and the raw-JSON editor', () => {
  let sidecar: RunningSidecar;
  beforeAll(async () => {
    sidecar = await startSidecar({ agent: 'test/fixtures/agents/shapes.ts' });
  });
  afterAll(() => sidecar?.stop());

  it('sends exactly what was filled in: nested objects, numbers, booleans, enums, lists, and JSON for the rest', async () => {
    const page = await open(sidecar);
    await page.getByLabel('title').fill('Weekly report');
    await page.getByLabel('count').fill('3');
    await page.getByLabel('urgent').check();
    await page.getByLabel('mode').selectOption({ label: '"careful"' });
    await page.getByRole('button', { name: 'Add tags item' }).click();
    await page.getByRole('textbox', { name: 'tags item 1' }).fill('alpha');
    await page.getByRole('button', { name: 'Add tags item' }).click();
    await page.getByRole('textbox', { name: 'tags item 2' }).fill('beta');
    const owner = page.getByRole('group', { name: 'owner' });
    await owner.getByLabel('name').fill('Ada');
    await owner.getByLabel('age').fill('36');
    await page.getByLabel('items').fill('[{"sku": "a-1", "qty": 2}]');
    await page.getByRole('button', { name: 'Run', exact: true }).click();

    await expect.poll(() => text(page, '.run-status')).toContain('succeeded');
    const output = JSON.parse((await page.getByLabel('Call: output').textContent()) ?? 'null');
    // ratio was left empty (optional: left out); notes too (nullable: null).
    expect(output).toEqual({
      received: { title: 'Weekly report', count: 3, urgent: true, mode: 'careful', tags: ['alpha', 'beta'], owner: { name: 'Ada', age: 36 }, notes: null, items: [{ sku: 'a-1', qty: 2 }] },
    });
    await screenshot(page, 'form-fields');
  });

  it("checks numbers before sending, and shows the sidecar's own issues next to their fields", async () => {
    const page = await open(sidecar);
    await page.getByLabel('count').fill('11');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => page.getByLabel('count').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.field-error:visible').allTextContents()).toContain('must be at most 10');

    await page.getByLabel('count').fill('2');
    await page.getByLabel('mode').selectOption({ label: '"fast"' });
    await page.getByRole('group', { name: 'owner' }).getByLabel('name').fill('x');
    // title left empty: sent as "", which the agent's schema refuses (min length 1).
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => page.getByLabel('title').getAttribute('aria-invalid')).toBe('true');
    expect(await text(page, '.run-status')).toContain('invalid_input');
  });

  it('switches to raw JSON and back, and stays on JSON for a value the form cannot show', async () => {
    const page = await open(sidecar);
    await page.getByLabel('title').fill('From the form');
    await page.getByText('JSON', { exact: true }).click();
    const raw = page.getByLabel('Input as JSON');
    expect(JSON.parse(await raw.inputValue())).toMatchObject({ title: 'From the form', urgent: false, notes: null });

    const typed = { title: 'From JSON', count: 5, urgent: false, mode: 'fast', owner: { name: 'Bo' }, notes: 'n' };
    await raw.fill(JSON.stringify({ ...typed, unknown: 1 }));
    await page.getByText('Form', { exact: true }).click();
    await expect.poll(() => text(page, '.try-form > .hint')).toContain('cannot show this value');
    expect(await raw.isVisible()).toBe(true);

    await raw.fill(JSON.stringify(typed));
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => text(page, '.run-status')).toContain('succeeded');
    expect(JSON.parse((await page.getByLabel('Call: output').textContent()) ?? 'null')).toEqual({ received: typed });

    await page.getByText('Form', { exact: true }).click();
    expect(await page.getByRole('group', { name: 'owner' }).getByLabel('name').inputValue()).toBe('Bo');
    expect(await page.getByLabel('notes').inputValue()).toBe('n');
  });
});

describe('Runs: background runs, live status, events, cancel', () => {
  let sidecar: RunningSidecar;
  beforeAll(async () => {
    sidecar = await startSidecar({ agent: 'slow' });
  });
  afterAll(() => sidecar?.stop());

  async function submit(page: Page, ms: number, steps: number): Promise<string> {
    await page.getByRole('textbox', { name: /^ms\b/ }).fill(String(ms));
    await page.getByLabel('steps').fill(String(steps));
    await page.getByRole('button', { name: 'Run in background' }).click();
    const code = page.locator('.notice code');
    await code.waitFor();
    return (await code.textContent()) ?? '';
  }

  it('lists a submitted run with its final status and replays its events', async () => {
    const page = await open(sidecar);
    const runId = await submit(page, 300, 3);
    expect(runId).toMatch(/^run_/);
    await page.getByRole('button', { name: 'Follow it in Runs' }).click();
    expect(new URL(page.url()).hash).toBe('#runs');
    const row = page.locator(`tr[data-run-id="${runId}"]`);
    await expect.poll(() => row.locator('.run-status-cell').textContent()).toBe('succeeded');
    await expect.poll(() => page.locator('#panel-runs .events .event-type').allTextContents()).toEqual(['run.started', 'run.progress', 'run.progress', 'run.progress', 'run.completed']);
    const record = (await http(sidecar.url, `/v1/runs/${runId}`)).json;
    expect(record.status).toBe('succeeded');
    expect(JSON.parse((await page.getByLabel('Run: output').textContent()) ?? 'null')).toEqual(record.output);
    await screenshot(page, 'runs-succeeded');
  });

  it('cancels a slow run from its detail, and the list shows it cancelled', async () => {
    const page = await open(sidecar);
    const runId = await submit(page, 600_000, 1);
    await page.getByRole('tab', { name: 'Runs' }).click();
    await page.getByRole('button', { name: runId }).click();
    await expect.poll(() => text(page, '.run-summary dd')).toBe('running');
    // A running run waits for no decision: the page offers no Resume.
    expect(await page.getByRole('button', { name: 'Resume run' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await expect.poll(() => text(page, '.run-summary dd')).toBe('cancelled');
    await expect.poll(() => page.locator(`tr[data-run-id="${runId}"] .run-status-cell`).textContent()).toBe('cancelled');
    expect((await http(sidecar.url, `/v1/runs/${runId}`)).json.status).toBe('cancelled');
    await screenshot(page, 'runs-cancelled');
  });

  it('offers Resume, with a form from the route body schema, only where the contract has the resume route', async () => {
    // The page builds its Resume form from whatever body schema the contract's resume route
    // declares: the test swaps in another schema in the OpenAPI document the page reads, and
    // answers the run's record and the resume call itself, to pin what the page does with it.
    const created = await http(sidecar.url, '/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { ms: 600_000 } }) });
    const runId: string = created.json.run_id;
    watched = await watchedPage(browser, new URL(sidecar.url).origin);
    const page = watched.page;
    const resumeBody = { type: 'object', properties: { answer: { type: 'string', maxLength: 100 }, approve: { type: 'boolean' } }, required: ['answer', 'approve'] };
    await page.route('**/openapi.json', async (route) => {
      const response = await route.fetch();
      const document = await response.json();
      document.paths['/v1/runs/{id}/resume'] = { post: { requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ResumeRequest' } } } }, responses: {} } };
      document.components.schemas.ResumeRequest = resumeBody;
      await route.fulfill({ response, json: document });
    });
    const waiting = (record: { run_id: string }) => (record.run_id === runId ? { ...record, status: 'input_required' } : record);
    await page.route(`**/v1/runs/${runId}`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, json: waiting(await response.json()) });
    });
    await page.route(/\/v1\/runs\?/, async (route) => {
      const response = await route.fetch();
      const list = await response.json();
      await route.fulfill({ response, json: { ...list, data: list.data.map(waiting) } });
    });
    const resumed: unknown[] = [];
    await page.route(`**/v1/runs/${runId}/resume`, async (route) => {
      resumed.push(route.request().postDataJSON());
      await route.fulfill({ status: 202, json: { run_id: runId, status: 'running', attempt: 1, max_attempts: 3, input: {}, created_at: new Date().toISOString() } });
    });
    await page.goto(`${sidecar.url}/console/#runs`);
    await page.getByRole('button', { name: runId }).click();
    const form = page.getByRole('form', { name: 'Resume the run' });
    await form.getByLabel('answer').fill('yes, go on');
    await form.getByLabel('approve').check();
    await screenshot(page, 'runs-resume');
    await form.getByRole('button', { name: 'Resume run' }).click();
    await expect.poll(() => resumed).toEqual([{ answer: 'yes, go on', approve: true }]);
    // The page keeps polling the list: a handler still fetching when the page closes must not reject unhandled.
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await http(sidecar.url, `/v1/runs/${runId}/cancel`, { method: 'POST' });
  });

  it('keeps the keyboard focus on a run of the list while the list updates its status', async () => {
    const created = await http(sidecar.url, '/v1/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { ms: 600_000 } }) });
    const runId: string = created.json.run_id;
    const page = await open(sidecar, '/console/#runs');
    const row = page.locator(`tr[data-run-id="${runId}"]`);
    await expect.poll(() => row.locator('.run-status-cell').textContent()).toBe('running');
    await row.getByRole('button', { name: runId }).focus();
    await http(sidecar.url, `/v1/runs/${runId}/cancel`, { method: 'POST' });
    await expect.poll(() => row.locator('.run-status-cell').textContent()).toBe('cancelled');
    expect(await page.evaluate('document.activeElement.textContent')).toBe(runId);
  });
});

describe('a sidecar with a token', () => {
  let sidecar: RunningSidecar;
  beforeAll(async () => {
    sidecar = await startSidecar({ agent: 'echo', args: ['--token', TOKEN] });
  });
  afterAll(() => sidecar?.stop());

  it('loads the page without it on loopback, asks for it, and sends it on every API call, never in a URL', async () => {
    const page = await open(sidecar);
    const apiAuthorizations: Array<string | undefined> = [];
    page.on('request', (request) => {
      if (/\/v1\//.test(request.url())) apiAuthorizations.push(request.headers().authorization);
    });
    const dialog = page.getByRole('dialog', { name: 'Bearer token' });
    await dialog.waitFor();
    await dialog.getByLabel('Token').fill('not-the-token-0123456789');
    await dialog.getByRole('button', { name: 'Use token' }).click();
    await expect.poll(() => text(page, '#token-reason')).toContain('refused');
    await dialog.getByLabel('Token').fill(TOKEN);
    await dialog.getByRole('button', { name: 'Use token' }).click();
    await expect.poll(() => text(page, '#agent-name')).toContain('echo');

    await page.getByRole('textbox', { name: /^text/ }).fill('hello through the token');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => text(page, '.run-status')).toContain('succeeded');
    expect(JSON.parse((await page.getByLabel('Call: output').textContent()) ?? 'null')).toEqual({ text: 'hello through the token' });

    // Evaluated in the page, where sessionStorage exists (the test's own typings are Node's).
    expect(await page.evaluate('sessionStorage.getItem("squire.console.token")')).toBe(TOKEN);
    expect(page.url()).not.toContain(TOKEN);
    expect(apiAuthorizations.at(-1)).toBe(`Bearer ${TOKEN}`);
  });

  it('exempts the console paths exactly: a path that normalises onto the API still needs the token', async () => {
    for (const path of ['/console/assets/../../v1/agent', '/console/assets/%2e%2e/%2e%2e/v1/agent', '/docs/../v1/agent']) {
      expect((await http(sidecar.url, path)).status, path).toBe(401);
    }
    expect((await http(sidecar.url, '/console/')).status).toBe(200);
  });
});

describe('the API reference and the descriptor', () => {
  let sidecar: RunningSidecar;
  beforeAll(async () => {
    sidecar = await startSidecar({ agent: 'echo' });
  });
  afterAll(() => sidecar?.stop());

  it('/docs shows every operation of openapi.json, with parameters, responses and linked schemas', async () => {
    const document = (await http(sidecar.url, '/openapi.json')).json;
    const expected = Object.values(document.paths as Record<string, object>).reduce((count, item) => count + Object.keys(item).length, 0);
    const page = await open(sidecar, '/docs');
    expect(new URL(page.url()).hash).toBe('#docs');
    const operations = page.locator('.operation');
    await operations.first().waitFor();
    expect(await operations.count()).toBe(expected);
    const getRun = operations.filter({ has: page.locator('summary', { hasText: /^GET\s*\/v1\/runs\/\{id\}$/ }) });
    await getRun.locator('summary').click();
    expect(await getRun.locator('tbody tr').first().textContent()).toContain('id');
    await getRun.getByRole('button', { name: 'RunRecord' }).click();
    await expect.poll(() => page.locator('#schema-RunRecord').getAttribute('open')).toBe('');
    expect(await page.locator('#schema-RunRecord table').first().textContent()).toContain('run_id');
    await screenshot(page, 'api-docs');
  });

  it('moves between tabs with the arrow keys, Home and End, and keeps the tab in the address', async () => {
    const page = await open(sidecar);
    await page.getByRole('tab', { name: 'Try it' }).focus();
    await page.keyboard.press('ArrowRight');
    const selected = () => page.locator('[role="tab"][aria-selected="true"]').textContent();
    expect(await selected()).toBe('Runs');
    expect(await page.evaluate('document.activeElement.id')).toBe('tab-runs');
    expect(await page.locator('#panel-runs').isVisible()).toBe(true);
    expect(await page.locator('#panel-try').isVisible()).toBe(false);
    await page.keyboard.press('End');
    expect(await selected()).toBe('Agent');
    await page.keyboard.press('ArrowRight');
    expect(await selected()).toBe('Try it');
    expect(new URL(page.url()).hash).toBe('#try');
  });

  it('the Agent tab shows the descriptor, with each protocol the sidecar also speaks', async () => {
    const descriptor = (await http(sidecar.url, '/v1/agent')).json;
    const page = await open(sidecar, '/console/#agent');
    const protocols = page.locator('.protocols');
    await protocols.waitFor();
    for (const protocol of descriptor.protocols as Array<{ paths: string[] }>) {
      for (const path of protocol.paths) expect(await protocols.textContent()).toContain(`${sidecar.url}${path}`);
    }
    expect(await text(page, '#agent-summary')).toContain(descriptor.description);
    await screenshot(page, 'agent');
  });
});
