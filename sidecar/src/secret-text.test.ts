import { describe, expect, it } from 'vitest';
import { redactSecretText, redactSecretsDeep } from './secret-text.js';

describe('redactSecretText', () => {
  it.each([
    ['connect failed: password=hunter2hunter2', 'connect failed: password=[redacted]'],
    ['PASSWORD: "hunter2" rejected', 'PASSWORD: "[redacted]" rejected'],
    ['GET /x?api_key=sk-live-123&page=2', 'GET /x?api_key=[redacted]&page=2'],
    ['apiKey=abc, next', 'apiKey=[redacted], next'],
    ['{"access_token":"eyJabc.def"}', '{"access_token":"[redacted]"}'],
    ['Authorization: Bearer sk-abc.def', 'Authorization: [redacted]'],
    ['sent Bearer sk-abc.def== upstream', 'sent Bearer [redacted] upstream'],
    ['db postgres://app:s3cret@db:5432/app down', 'db postgres://app:[redacted]@db:5432/app down'],
    ['client_secret=xyz', 'client_secret=[redacted]'],
    ['retry with token=abc; password: p@ss and api-key="k1"', 'retry with token=[redacted]; password: [redacted] and api-key="[redacted]"'],
  ])('%s', (text, expected) => {
    expect(redactSecretText(text)).toBe(expected);
  });

  it.each([
    ['aws_secret_access_key=AKIAxyz', 'aws_secret_access_key=[redacted]'],
    ['csrftoken=abc123', 'csrftoken=[redacted]'],
    ['X-Api-Key: k-123', 'X-Api-Key: [redacted]'],
    ['openaiApiKey="sk-1"', 'openaiApiKey="[redacted]"'],
    ['APIKEY=k', 'APIKEY=[redacted]'],
  ])('a secret word inside a longer name: %s', (text, expected) => {
    expect(redactSecretText(text)).toBe(expected);
  });

  it.each(['max_tokens=4096 is above the model limit', 'usage {"input_tokens":31,"output_tokens":12}', 'maxTokens: 512', 'tokenizer=cl100k'])(
    'keeps counts and settings whose names only mention tokens: %s',
    (text) => {
      expect(redactSecretText(text)).toBe(text);
    },
  );

  it('leaves text without secrets as it is', () => {
    const text = 'agent "echo" failed: Cannot read properties of undefined (reading \'x\')';
    expect(redactSecretText(text)).toBe(text);
  });

  it('redacts every string of a serialized error, causes included', () => {
    const serialized = { type: 'Error', message: 'password=a1', stack: 'Error: password=a1\n    at x', cause: { message: 'Bearer tok' } };
    expect(redactSecretsDeep(serialized)).toEqual({ type: 'Error', message: 'password=[redacted]', stack: 'Error: password=[redacted]\n    at x', cause: { message: 'Bearer [redacted]' } });
  });
});

describe('redactSecretText on hostile input', () => {
  // Patterns that backtracked quadratically would take hours here, past the test's timeout.
  it('handles long unbroken, dotted and key-like words', () => {
    for (const text of ['a'.repeat(500_000), 'a.'.repeat(250_000), `${'x'.repeat(250_000)}token`, 'a:'.repeat(250_000)]) {
      expect(redactSecretText(text)).toBe(text);
    }
    expect(redactSecretText(`token=${'t'.repeat(500_000)}`)).toBe('token=[redacted]');
  });
});
