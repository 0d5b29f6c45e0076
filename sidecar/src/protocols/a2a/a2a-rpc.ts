/**
 * @module
 * A2A 1.0's JSON-RPC binding (`POST /a2a`) over durable runs: `SendMessage`
 * (blocking by default, or `returnImmediately`), `SendStreamingMessage`,
 * `GetTask`, `CancelTask` and `SubscribeToTask` (resumable with
 * `Last-Event-ID`). A task is a background run, so it is on disk before the
 * caller hears of it, survives restarts and outlives any stream; the
 * message id is its idempotency key, so a client's retry gets the same task.
 * Loaded on the first request.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Handler } from 'hono';
import { z } from 'zod';
import { HEADERS, isTerminalRunStatus, type RunRecord } from '@squire/client/contract';
import type { SidecarEnv } from '../../app-env.js';
import { SidecarError, isSidecarError, toValidationIssues } from '../../errors.js';
import { requestHeader } from '../../http/headers.js';
import { resolveTimeoutMs } from '../../runtime/deadline.js';
import { followRunAsSse } from '../../routes/follow-run.js';
import { bodyHash } from '../../runs/ledger.js';
import { chatRun } from '../chat-input.js';
import { RPC_CODES, RpcError, jsonResponse, readRpcMessage, rpcErrorId, rpcErrorResponse, rpcResult, type RpcId, type RpcMessage } from '../json-rpc.js';
import type { ProtocolDeps } from '../protocol.js';
import { A2A_CODES, a2aError, a2aErrorFromSidecar } from './a2a-errors.js';
import { A2A_VERSION } from './agent-card.js';
import { EVENT_ID_KEY, streamResponseOf, taskOf } from './task-view.js';

const PartSchema = z.looseObject({
  text: z.string().optional(),
  data: z.unknown().optional(),
  raw: z.string().optional(),
  url: z.string().optional(),
  mediaType: z.string().optional(),
});

const SendParamsSchema = z.looseObject({
  message: z.looseObject({
    messageId: z.string().min(1).max(255),
    role: z.literal('ROLE_USER', { error: 'role must be "ROLE_USER"' }),
    parts: z.array(PartSchema).min(1),
    contextId: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'contextId names a session: 1 to 200 letters, digits and . _ : -').optional(),
    taskId: z.string().optional(),
  }),
  configuration: z
    .looseObject({
      returnImmediately: z.boolean().optional(),
      acceptedOutputModes: z.array(z.string()).optional(),
      taskPushNotificationConfig: z.unknown().optional(),
    })
    .optional(),
});

const TaskParamsSchema = z.looseObject({ id: z.string().min(1) });

type SendParams = z.infer<typeof SendParamsSchema>;

export function a2aRpcHandler(deps: ProtocolDeps): Handler<SidecarEnv> {
  const { runs, agent, executor } = deps;
  const outputMode = deps.descriptor.output_schema.type === 'string' ? 'text/plain' : 'application/json';

  return async (c) => {
    let id: RpcId = null;
    try {
      const message = await readRpcMessage(c, deps.limits.maxBodyBytes, deps.limits.maxBodyDepth);
      id = message.id ?? null;
      if (message.id === undefined) throw new RpcError(RPC_CODES.invalidRequest, 'A2A methods are requests: send an "id"', { status: 400 });
      checkVersion(c);
      return await dispatch(c, message, message.id);
    } catch (error) {
      if (error instanceof RpcError) return rpcErrorResponse(id ?? rpcErrorId(error), error);
      if (isSidecarError(error)) return rpcErrorResponse(id, a2aErrorFromSidecar(error));
      deps.log.error({ err: error, ...c.get('logBindings') }, 'A2A request failed');
      return rpcErrorResponse(id, new RpcError(RPC_CODES.internalError, 'the sidecar failed to handle this request; see its log', { status: 500 }));
    }
  };

  async function dispatch(c: Context<SidecarEnv>, message: RpcMessage, id: string | number): Promise<Response> {
    switch (message.method) {
      case 'SendMessage':
      case 'SendStreamingMessage': {
        const params = parse(SendParamsSchema, message.params);
        const runId = await submit(c, params);
        c.set('runId', runId);
        if (message.method === 'SendStreamingMessage') return taskStream(c, id, runId, undefined);
        if (!params.configuration?.returnImmediately) await untilEnded(c, runId);
        return jsonResponse(rpcResult(id, { task: await snapshot(runId) }));
      }
      case 'GetTask': {
        const { id: taskId } = parse(TaskParamsSchema, message.params);
        return jsonResponse(rpcResult(id, await snapshot(await existing(taskId))));
      }
      case 'CancelTask': {
        const { id: taskId } = parse(TaskParamsSchema, message.params);
        const record = await runs.get(await existing(taskId));
        if (record && isTerminalRunStatus(record.status)) {
          throw a2aError(A2A_CODES.taskNotCancelable, `task "${taskId}" is ${record.status} and cannot be canceled`, 'TASK_NOT_CANCELABLE');
        }
        const cancelled = await runs.cancel(taskId);
        return jsonResponse(rpcResult(id, taskOf(cancelled, await runs.lastEventSeq(taskId))));
      }
      case 'SubscribeToTask': {
        const { id: taskId } = parse(TaskParamsSchema, message.params);
        const record = await runs.get(await existing(taskId));
        if (record && isTerminalRunStatus(record.status)) {
          throw a2aError(A2A_CODES.unsupportedOperation, `task "${taskId}" is ${record.status}: there is nothing left to subscribe to (use GetTask)`, 'TASK_TERMINAL');
        }
        c.set('runId', taskId);
        return taskStream(c, id, taskId, lastEventId(c));
      }
      case 'CreateTaskPushNotificationConfig':
      case 'GetTaskPushNotificationConfig':
      case 'ListTaskPushNotificationConfigs':
      case 'DeleteTaskPushNotificationConfig':
        throw a2aError(A2A_CODES.pushNotificationNotSupported, 'push notifications are not supported: stream the task or poll GetTask', 'PUSH_NOTIFICATION_NOT_SUPPORTED');
      case 'GetExtendedAgentCard':
      case 'ListTasks':
        throw a2aError(A2A_CODES.unsupportedOperation, `${message.method} is not supported by this agent (see its agent card)`, 'UNSUPPORTED_OPERATION');
      default:
        throw new RpcError(RPC_CODES.methodNotFound, `method "${message.method}" does not exist in A2A ${A2A_VERSION}`);
    }
  }

  async function submit(c: Context<SidecarEnv>, params: SendParams): Promise<string> {
    deps.lifecycle.assertAcceptingWork();
    const { message } = params;
    if (params.configuration?.taskPushNotificationConfig !== undefined) {
      throw a2aError(A2A_CODES.pushNotificationNotSupported, 'push notifications are not supported: stream the task or poll GetTask', 'PUSH_NOTIFICATION_NOT_SUPPORTED');
    }
    const accepted = params.configuration?.acceptedOutputModes ?? [];
    if (accepted.length > 0 && !accepted.some((mode) => mode === outputMode || mode === '*/*')) {
      throw a2aError(A2A_CODES.contentTypeNotSupported, `this agent answers ${outputMode}; acceptedOutputModes lists ${accepted.join(', ')}`, 'CONTENT_TYPE_NOT_SUPPORTED');
    }
    if (message.taskId !== undefined) {
      const taskId = await existing(message.taskId);
      throw a2aError(A2A_CODES.unsupportedOperation, `task "${taskId}" takes no further messages: every message starts a new task (send the same contextId to continue the conversation)`, 'UNSUPPORTED_OPERATION');
    }
    const timeoutMs = resolveTimeoutMs(requestHeader(c, HEADERS.timeoutMs), deps.limits);
    const input = inputOf(message.parts);
    executor.validateInput(input);
    const { runId } = await runs.submit({
      input,
      sessionId: message.contextId ?? `ctx-${randomUUID()}`,
      metadata: { a2a_message_id: message.messageId },
      timeoutMs,
      idempotency: { key: `a2a:${message.messageId}`, hash: bodyHash(message) },
    });
    return runId;
  }

  /** A data part is the input as it is; text goes through the agent's chat mapping. */
  function inputOf(parts: SendParams['message']['parts']): unknown {
    const files = parts.filter((part) => part.raw !== undefined || part.url !== undefined);
    if (files.length > 0) throw a2aError(A2A_CODES.contentTypeNotSupported, 'file parts are not supported: send a data part with the input, or text', 'CONTENT_TYPE_NOT_SUPPORTED');
    const data = parts.filter((part) => part.data !== undefined);
    if (data.length > 1) throw new SidecarError('invalid_request', 'send the input as one data part');
    if (data.length === 1) return data[0]!.data;
    const text = parts.map((part) => part.text ?? '').join('\n');
    return chatRun(agent, executor, [{ role: 'user', content: text }], 'durable').rawInput;
  }

  async function existing(taskId: string): Promise<string> {
    if (!(await runs.get(taskId))) throw a2aError(A2A_CODES.taskNotFound, `task "${taskId}" does not exist (or was purged after --run-retention-ms)`, 'TASK_NOT_FOUND');
    return taskId;
  }

  async function snapshot(runId: string) {
    const seq = await runs.lastEventSeq(runId);
    return taskOf((await runs.get(runId)) as RunRecord, seq);
  }

  /** Resolves when the run ends, or when the caller goes away (the task goes on). */
  async function untilEnded(c: Context<SidecarEnv>, runId: string): Promise<void> {
    const seq = await runs.lastEventSeq(runId);
    return new Promise((resolve) => {
      const stop = runs.follow(runId, seq, () => undefined, () => resolve());
      c.env?.outgoing?.once('close', () => {
        stop();
        resolve();
      });
    });
  }

  /** The task first (as the protocol requires), then every run event after `afterSeq` (or after the snapshot), one object each. */
  async function taskStream(c: Context<SidecarEnv>, id: string | number, runId: string, afterSeq: number | undefined): Promise<Response> {
    const seq = await runs.lastEventSeq(runId);
    const first = taskOf((await runs.get(runId)) as RunRecord, seq);
    return followRunAsSse(
      c,
      { runs, heartbeatMs: deps.heartbeatMs },
      runId,
      afterSeq ?? seq,
      (stream, event) => stream.writeSSE({ id: String(event.seq), data: rpcResult(id, streamResponseOf(event, first.contextId)) }),
      (stream) => stream.writeSSE({ id: String(seq), data: rpcResult(id, { task: first }) }),
    );
  }
}

function parse<T>(schema: z.ZodType<T>, params: unknown): T {
  const parsed = schema.safeParse(params ?? {});
  if (!parsed.success) throw new SidecarError('invalid_request', 'invalid params', { issues: toValidationIssues(parsed.error.issues) });
  return parsed.data;
}

/** A2A-Version (header or query); an absent one means 0.3, which this binding does not speak. */
function checkVersion(c: Context<SidecarEnv>): void {
  const version = (requestHeader(c, 'a2a-version') ?? c.req.query('A2A-Version') ?? '').trim();
  if (/^1(\.\d+)?$/.test(version)) return;
  throw new RpcError(A2A_CODES.versionNotSupported, `A2A-Version ${version === '' ? '(absent, meaning 0.3)' : `"${version}"`} is not supported: send A2A-Version: ${A2A_VERSION}`, {
    data: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'VERSION_NOT_SUPPORTED', domain: 'squire', metadata: { supported: A2A_VERSION } }],
  });
}

function lastEventId(c: Context<SidecarEnv>): number | undefined {
  const value = requestHeader(c, HEADERS.lastEventId);
  if (value === undefined) return undefined;
  if (!/^\d{1,12}$/.test(value.trim())) throw new SidecarError('invalid_request', `Last-Event-ID must be the ${EVENT_ID_KEY} of an event of this task`);
  return Number(value.trim());
}
