/**
 * @module
 * `POST /v1/chat/completions` and `GET /v1/models` over the run executor:
 * the agent is the one model, a chat request is one sync run (same slots,
 * 429s, deadline from `Squire-Timeout-Ms`, cancel on disconnect, metrics and
 * logs as `POST /v1/invoke`), its output is the assistant message (text as
 * it is, anything else as JSON), its usage OpenAI's `usage`. With
 * `stream: true` the run's deltas become `chat.completion.chunk` events and
 * the stream ends with `data: [DONE]`. Loaded on the first request.
 */
import type { Context, Handler } from 'hono';
import type { SSEStreamingApi } from 'hono/streaming';
import { ERROR_CODES, HEADERS, isErrorCode, type RunEvent, type Usage } from '@squire/client/contract';
import type { SidecarEnv } from '../../app-env.js';
import { SidecarError, isSidecarError } from '../../errors.js';
import { requestHeader, setResponseHeader } from '../../http/headers.js';
import { readJsonBody } from '../../http/json-body.js';
import { keyedInvoke, onCallerGone, streamRun, syncRunRequest } from '../../routes/invoke.js';
import { resolveTimeoutMs } from '../../runtime/deadline.js';
import type { RunOutcome } from '../../runtime/run-executor.js';
import { validateIdempotencyKey } from '../../runs/ledger.js';
import { chatRun } from '../chat-input.js';
import type { ProtocolDeps } from '../protocol.js';
import { parseChatCompletion } from './chat-request.js';
import { openAiErrorBody, shouldRetryHeader, type OpenAiErrorBody } from './openai-errors.js';

const SESSION_ID = /^[A-Za-z0-9._:-]{1,200}$/;

export function chatCompletionsHandler(deps: ProtocolDeps): Handler<SidecarEnv> {
  const { agent, executor, lifecycle } = deps;
  return async (c) => {
    lifecycle.assertAcceptingWork();
    const timeoutMs = resolveTimeoutMs(requestHeader(c, HEADERS.timeoutMs), deps.limits);
    const body = await readJsonBody(c, deps.limits.maxBodyBytes, deps.limits.maxBodyDepth);
    const call = parseChatCompletion(body);
    if (call.model !== agent.name) {
      throw new SidecarError('not_found', `The model "${call.model}" does not exist: this sidecar serves the agent "${agent.name}" (see GET /v1/models)`);
    }
    const run = chatRun(agent, executor, call.turns, 'sync');
    const request = syncRunRequest(c, { input: run.input, sessionId: sessionOf(c, call.user), metadata: {}, timeoutMs, conversation: run.conversation });
    const created = Math.floor(Date.now() / 1000);
    const envelope = { id: `chatcmpl-${request.runId}`, created, model: agent.name };
    if (call.stream) {
      setResponseHeader(c, HEADERS.runId, request.runId);
      return streamRun(c, deps, request, lifecycle.track(), chunkWriter(envelope, call.includeUsage));
    }
    const key = requestHeader(c, HEADERS.idempotencyKey);
    if (key !== undefined) {
      const answer = await keyedInvoke(
        c,
        deps.idempotency,
        validateIdempotencyKey(key),
        body,
        request.deadline,
        async () => {
          const done = lifecycle.track();
          try {
            // No caller-gone abort: the caller's retry with the same key joins this run.
            const outcome = await executor.execute({ ...request, signals: [] });
            return { status: 200, body: JSON.stringify(completion(envelope, outcome)), contentType: 'application/json', runId: request.runId, keep: true };
          } catch (error) {
            const failure = isSidecarError(error) ? error.withRunId(request.runId) : new SidecarError('internal_error', 'the run failed unexpectedly', { cause: error });
            // Failures are not kept: a replay of one would carry problem+json's content type.
            return { status: failure.status, body: JSON.stringify(openAiErrorBody(failure)), contentType: 'application/json', retryAfter: failure.retryAfter, runId: request.runId, keep: false };
          } finally {
            done();
          }
        },
        'openai-chat',
      );
      if (answer.status >= 400) {
        // The ledger keeps no headers, and a failure answered to a joining caller is another's: read its code back.
        const { code } = ((await answer.clone().json()) as OpenAiErrorBody).error;
        for (const [name, value] of Object.entries(shouldRetryHeader(code, !isErrorCode(code) || ERROR_CODES[code].retryable))) answer.headers.set(name, value);
      }
      return answer;
    }
    setResponseHeader(c, HEADERS.runId, request.runId);
    const done = lifecycle.track();
    try {
      const outcome = await executor.execute({ ...request, signals: [], bindAbort: onCallerGone(c) });
      return c.json(completion(envelope, outcome));
    } finally {
      done();
    }
  };
}

export function modelsHandler(deps: ProtocolDeps): { list: Handler<SidecarEnv>; get: Handler<SidecarEnv> } {
  const model = { id: deps.agent.name, object: 'model', created: 0, owned_by: 'squire' };
  return {
    list: (c) => c.json({ object: 'list', data: [model] }),
    get: (c) => {
      if (c.req.param('model') !== model.id) throw new SidecarError('not_found', `The model "${c.req.param('model')}" does not exist: this sidecar serves "${model.id}"`);
      return c.json(model);
    },
  };
}

/** `Squire-Session-Id`, else OpenAI's `user` field, names the session whose memory the run sees. */
function sessionOf(c: Context<SidecarEnv>, user: string | undefined): string | undefined {
  const header = requestHeader(c, HEADERS.sessionId);
  const [source, value] = header !== undefined ? ['Squire-Session-Id', header] : ['user', user];
  if (value === undefined) return undefined;
  if (!SESSION_ID.test(value)) throw new SidecarError('invalid_request', `${source} names the session: 1 to 200 letters, digits and . _ : - (got "${value.slice(0, 50)}")`);
  return value;
}

interface Envelope {
  id: string;
  created: number;
  model: string;
}

/** The agent's output as assistant text: strings as they are, anything else as JSON. */
export function renderOutput(output: unknown): string {
  return typeof output === 'string' ? output : JSON.stringify(output);
}

function usageOf(usage: Usage) {
  return { prompt_tokens: usage.input_tokens, completion_tokens: usage.output_tokens, total_tokens: usage.total_tokens };
}

function completion(envelope: Envelope, outcome: RunOutcome) {
  return {
    ...envelope,
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: renderOutput(outcome.output), refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: usageOf(outcome.usage),
    system_fingerprint: null,
  };
}

/** Maps run events onto `chat.completion.chunk` events; deltas stream as they come, the output only if none did. */
function chunkWriter(envelope: Envelope, includeUsage: boolean): (stream: SSEStreamingApi, event: RunEvent) => Promise<void> {
  let streamed = false;
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    JSON.stringify({ ...envelope, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...(includeUsage && { usage: null }) });
  return async (stream, event) => {
    switch (event.type) {
      case 'run.started':
        return stream.writeSSE({ data: chunk({ role: 'assistant', content: '' }) });
      case 'run.delta':
        streamed = true;
        return stream.writeSSE({ data: chunk({ content: event.delta }) });
      case 'run.completed':
        if (!streamed) await stream.writeSSE({ data: chunk({ content: renderOutput(event.result.output) }) });
        await stream.writeSSE({ data: chunk({}, 'stop') });
        if (includeUsage) await stream.writeSSE({ data: JSON.stringify({ ...envelope, object: 'chat.completion.chunk', choices: [], usage: usageOf(event.result.usage) }) });
        return stream.writeSSE({ data: '[DONE]' });
      case 'run.failed': {
        const problem = event.error;
        const failure = new SidecarError(isErrorCode(problem.code) ? problem.code : 'internal_error', problem.detail ?? problem.title, { status: problem.status });
        return stream.writeSSE({ data: JSON.stringify(openAiErrorBody(failure)) });
      }
      default:
        return undefined;
    }
  };
}

