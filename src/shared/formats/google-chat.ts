// Google Chat incoming webhooks: a message with `text` (Chat's own light formatting: *bold*,
// `code`). A message's text holds at most 4,096 characters and the whole message at most 32,000
// bytes; fields Chat does not know are refused (400 INVALID_ARGUMENT), so nothing else is sent.
// Pure.

import { footerOf, truncate, type ChatMessage } from './chat-message';
import { jsonBody, type RenderedBody } from './rendered';

export const GOOGLE_CHAT_MAX_TEXT = 4096;

export function renderGoogleChat(msg: ChatMessage): RenderedBody {
  const parts = [`*${msg.text}*`];
  if (msg.lines.length > 0) parts.push(msg.lines.map((l) => `• ${l}`).join('\n'));
  if (msg.facts.length > 0) parts.push(msg.facts.map((f) => `${f.name}: ${f.value}`).join(' · '));
  parts.push(`\`${footerOf(msg)}\``);
  return { ...jsonBody({ text: truncate(parts.join('\n'), GOOGLE_CHAT_MAX_TEXT) }), contentType: 'application/json; charset=UTF-8' };
}
