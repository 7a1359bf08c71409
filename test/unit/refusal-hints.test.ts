import { describe, expect, it } from 'vitest';
import { refusalHint } from '../../src/shared/refusal-hints';

describe('refusal hints', () => {
  it('names the format to choose for each service that refuses the daemon JSON', () => {
    expect(refusalHint({ format: 'pilot', url: 'https://hooks.slack.com/x', status: 400, snippet: 'no_text' })).toMatch(/Choose the slack format/);
    expect(refusalHint({ format: 'pilot', url: 'https://discord.com/api/webhooks/1/a', status: 400, snippet: '{"message":"Cannot send an empty message","code":50006}' })).toMatch(/discord format/);
    expect(refusalHint({ format: 'pilot', url: 'https://x.webhook.office.com/webhookb2/a', status: 400, snippet: 'Summary or Text is required.' })).toMatch(/teams format/);
    expect(refusalHint({ format: 'slack', url: 'https://hooks.slack.com/x', status: 400, snippet: 'no_text' })).not.toMatch(/Choose/);
  });
  it('warns that a Workflows URL answers 202 to bodies it will drop', () => {
    expect(refusalHint({ format: 'pilot', url: 'https://prod-1.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=s', status: 202 })).toMatch(/202 to anything/);
    expect(refusalHint({ format: 'teams', url: 'https://prod-1.westus.logic.azure.com/workflows/x', status: 202 })).toBeNull();
  });
  it('points auth walls at extra headers, and says nothing about a plain success', () => {
    expect(refusalHint({ format: 'pilot', url: 'https://n8n.example.com/webhook/x', status: 401 })).toMatch(/Authorization/);
    expect(refusalHint({ format: 'pilot', url: 'https://n8n.example.com/webhook/x', status: 200 })).toBeNull();
  });
});
