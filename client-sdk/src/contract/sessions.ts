/**
 * @module
 * Conversation memory as `GET /v1/sessions/{id}` returns it.
 */
import { z } from 'zod';

export const SessionMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
  created_at: z.string().optional(),
});
export type SessionMessage = z.infer<typeof SessionMessageSchema>;

export const SessionSchema = z.object({
  session_id: z.string(),
  messages: z.array(SessionMessageSchema),
  updated_at: z.string().nullable(),
});
export type Session = z.infer<typeof SessionSchema>;
