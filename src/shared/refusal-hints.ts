// What to do about a receiver's answer the app has seen before: the services that refuse the
// daemon's JSON, a Workflows URL that accepts anything and posts nothing, an auth wall. Shown
// beside a destination's test answer. Pure.

import type { FormatName } from './formats/format-names';
import { guessFormat } from './formats/format-names';

export interface AnswerSeen {
  format: FormatName;
  url: string;
  status?: number;
  /** the first bytes of the answer's body */
  snippet?: string;
}

/** A hint for a known refusal (or a known silent failure), or null. */
export function refusalHint(a: AnswerSeen): string | null {
  const snippet = a.snippet ?? '';
  const suggested = guessFormat(a.url).format;
  const choose = (f: FormatName) => (a.format === f ? '' : ` Choose the ${f} format for this destination.`);
  if (a.status === 400 && /\bno_text\b/.test(snippet)) return `Slack needs a "text" field: it refuses the daemon's JSON.${choose('slack')}`;
  if (a.status === 400 && /invalid_blocks/.test(snippet)) return 'Slack refused the Block Kit blocks (a block over its limits).';
  if (a.status === 400 && /"code"\s*:\s*50006/.test(snippet)) return `Discord needs "content" or "embeds": it refuses the daemon's JSON.${choose('discord')}`;
  if (a.status === 400 && /"code"\s*:\s*50035/.test(snippet)) return 'Discord refused a field over its limits (Invalid Form Body).';
  if (a.status === 400 && /Summary or Text is required/i.test(snippet)) return `This Teams webhook needs a message card or an Adaptive Card.${choose('teams')}`;
  if (a.status === 400 && /No text specified/i.test(snippet)) return `Mattermost needs a "text" field.${choose('mattermost')}`;
  if (a.status === 400 && /Unknown name .* at 'message'/.test(snippet)) return `Google Chat refuses fields it does not know, like the daemon's.${choose('google-chat')}`;
  if (a.status === 202 && suggested === 'teams' && a.format !== 'teams') {
    return 'A Teams Workflows URL answers 202 to anything, then drops what is not an Adaptive Card message: choose the teams format, or nothing will be posted.';
  }
  if (a.status === 401 || a.status === 403) {
    return 'The receiver wants credentials: add a header such as "Authorization: Bearer …" (n8n Header Auth: the header name and value you set there; Basic Auth: "Authorization: Basic " + base64 of user:password).';
  }
  if (a.status === 404) return 'The receiver does not know this URL: check it (a deleted or mistyped webhook).';
  if (a.status === 429) return 'The receiver is rate-limiting: lower this destination\'s rate limit.';
  return null;
}
