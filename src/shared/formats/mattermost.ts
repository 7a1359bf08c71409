// Mattermost incoming webhooks: Slack-compatible `text` (Markdown). Mattermost refuses a body
// without text or attachments (400 "No text specified"); a post holds at most 16,383 characters
// by default. Pure.

import { footerOf, truncate, type ChatMessage } from './chat-message';
import { jsonBody, type RenderedBody } from './rendered';

export const MATTERMOST_MAX_TEXT = 16_383;

/** Markdown characters that would turn event data into formatting, links or mentions. */
export function markdownEscape(s: string): string {
  return s.replace(/([\\`*_{}[\]()<>#+!|~@])/g, '\\$1');
}

export function renderMattermost(msg: ChatMessage): RenderedBody {
  const parts = [`**${markdownEscape(msg.text)}**`];
  if (msg.lines.length > 0) parts.push(msg.lines.map((l) => `- ${markdownEscape(l)}`).join('\n'));
  if (msg.facts.length > 0) parts.push(msg.facts.map((f) => `${markdownEscape(f.name)}: ${markdownEscape(f.value)}`).join(' · '));
  parts.push(`_${markdownEscape(footerOf(msg))}_`);
  return jsonBody({ text: truncate(parts.join('\n'), MATTERMOST_MAX_TEXT) });
}
