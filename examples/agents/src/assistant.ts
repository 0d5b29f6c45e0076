/**
 * Assistant: a declarative LLM agent with one tool and structured output.
 * With no OPENAI_BASE_URL it runs on the sidecar's built-in offline model,
 * which calls the tool and fills the output schema deterministically; point
 * OPENAI_BASE_URL at any OpenAI-compatible endpoint for real answers.
 */
import { defineAgent, lastUserText, tool } from '@squire/sidecar';
import { z } from 'zod';

// A stand-in for a real weather API, so the example needs no network.
const WEATHER: Record<string, { temperature_c: number; conditions: string }> = {
  paris: { temperature_c: 14, conditions: 'light rain' },
  tokyo: { temperature_c: 19, conditions: 'clear' },
  lagos: { temperature_c: 31, conditions: 'humid, scattered storms' },
};

export default defineAgent({
  name: 'assistant',
  version: '1.0.0',
  description: 'Answers questions; looks up the weather of a city when asked.',
  input: z.object({ question: z.string().min(1).max(4000) }),
  output: z.object({
    answer: z.string(),
    city: z.string().nullable(),
    temperature_c: z.number().nullable(),
  }),
  instructions:
    'You are a concise assistant. When the question is about the weather, call get_weather with the city, ' +
    'then answer with the temperature. Reply as JSON matching the output schema; use null where a field does not apply.',
  prompt: (input) => input.question,
  // Chat-shaped callers: the last user message is the question (the model still sees the whole conversation).
  fromChat: (messages) => ({ question: lastUserText(messages) }),
  tools: {
    get_weather: tool({
      description: 'Current weather of a city',
      parameters: z.object({ city: z.string().min(1) }),
      execute: ({ city }) => {
        const weather = WEATHER[city.toLowerCase()];
        if (!weather) throw new Error(`no weather data for "${city}"`);
        return { city, ...weather };
      },
    }),
  },
  maxSteps: 4,
});
