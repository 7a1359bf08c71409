// Discord webhooks: `content` plus `embeds`. Limits from Discord's documentation: content at most
// 2,000 characters; at most 10 embeds; an embed's title 256, description 4,096, at most 25 fields
// (name 256, value 1,024), footer text 2,048; all embeds of a message together at most 6,000
// characters. A message with neither content nor embeds is refused (50006). `allowed_mentions`
// is empty so event data can never ping @everyone or a role. Pure.

import { footerOf, truncate, type ChatMessage } from './chat-message';
import { jsonBody, type RenderedBody } from './rendered';

export const DISCORD_LIMITS = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  embedTotal: 6000,
} as const;

const COLOR = { info: 0x3b82f6, warning: 0xf59e0b, error: 0xdc2626 } as const;

/** RFC 3339 → the ISO 8601 form Discord's embed timestamp takes; null when unreadable. */
function isoTimestamp(ts: string | undefined): string | null {
  if (ts === undefined) return null;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export function renderDiscord(msg: ChatMessage): RenderedBody {
  const title = truncate(msg.title, DISCORD_LIMITS.title);
  const footer = truncate(footerOf(msg), DISCORD_LIMITS.footer);
  // Fields and the digest's lines share what the 6,000-character budget leaves.
  let budget = DISCORD_LIMITS.embedTotal - title.length - footer.length;
  const description = truncate(msg.lines.length > 0 ? `${msg.text}\n\n${msg.lines.join('\n')}` : msg.text, Math.min(DISCORD_LIMITS.description, budget));
  budget -= description.length;
  const fields: { name: string; value: string; inline: boolean }[] = [];
  for (const f of msg.facts.slice(0, DISCORD_LIMITS.fields)) {
    const name = truncate(f.name, DISCORD_LIMITS.fieldName);
    const value = truncate(f.value, DISCORD_LIMITS.fieldValue);
    if (name.length + value.length > budget) break;
    budget -= name.length + value.length;
    fields.push({ name, value, inline: value.length <= 40 });
  }
  const embed: Record<string, unknown> = { title, description, color: COLOR[msg.severity], footer: { text: footer } };
  if (fields.length > 0) embed.fields = fields;
  const ts = isoTimestamp(msg.timestamp);
  if (ts) embed.timestamp = ts;
  return jsonBody({ content: truncate(msg.text, DISCORD_LIMITS.content), embeds: [embed], allowed_mentions: { parse: [] } });
}
