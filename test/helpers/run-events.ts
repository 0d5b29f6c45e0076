/**
 * Reads the stored events of a finished background run through
 * `GET /v1/runs/{id}/events` (the stream closes after the run's last event)
 * and parses the SSE frames, so tests can check sequence numbers and the
 * terminal event.
 */
import { http } from './http.js';

export interface SseFrame {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

export function parseSse(text: string): SseFrame[] {
  const frames: SseFrame[] = [];
  for (const block of text.split('\n\n')) {
    let id: number | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('id:')) id = Number(line.slice(3).trim());
      else if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (id !== undefined && data.length > 0) frames.push({ id, event, data: JSON.parse(data.join('\n')) as Record<string, unknown> });
  }
  return frames;
}

export async function storedRunEvents(baseUrl: string, runId: string): Promise<SseFrame[]> {
  const response = await http(baseUrl, `/v1/runs/${runId}/events`, { headers: { accept: 'text/event-stream' } });
  if (response.status !== 200) throw new Error(`events of ${runId}: HTTP ${response.status} ${response.text}`);
  return parseSse(response.text);
}

/** The event types the contract ends a run's stream with. */
export const TERMINAL_EVENTS: ReadonlySet<string> = new Set(['run.completed', 'run.failed']);
