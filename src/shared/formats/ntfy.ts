// ntfy (ntfy.sh or a self-hosted server): the message is the plain-text body; `Title`, `Tags`
// (comma-separated emoji short codes or words) and `Priority` (1–5 or min/low/default/high/max)
// are headers. ntfy.sh turns a body over 4,096 bytes into an attachment, so the body stays under
// it. HTTP header values are Latin-1 at most: a title with other characters is sent in RFC 2047
// encoded-word form (`=?UTF-8?B?…?=`), which ntfy decodes. Pure.

import { footerOf, type ChatMessage } from './chat-message';
import type { RenderedBody } from './rendered';
import { truncateBytes } from './text-bounds';

export const NTFY_MAX_BODY_BYTES = 4096;

const PRIORITY = { info: '3', warning: '4', error: '5' } as const;
const TAG = { info: 'information_source', warning: 'warning', error: 'rotating_light' } as const;

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function utf8Bytes(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return out;
}

function base64(bytes: number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a, b, c] = [bytes[i]!, bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += BASE64[n >> 18]! + BASE64[(n >> 12) & 63]! + (b === undefined ? '=' : BASE64[(n >> 6) & 63]!) + (c === undefined ? '=' : BASE64[n & 63]!);
  }
  return out;
}

/** A header value as is when it is printable ASCII, else as one RFC 2047 encoded word. */
export function headerSafe(value: string): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(flat) ? flat : `=?UTF-8?B?${base64(utf8Bytes(flat))}?=`;
}

export function renderNtfy(msg: ChatMessage): RenderedBody {
  const parts = [msg.text];
  if (msg.lines.length > 0) parts.push(msg.lines.map((l) => `• ${l}`).join('\n'));
  if (msg.facts.length > 0) parts.push(msg.facts.map((f) => `${f.name}: ${f.value}`).join('\n'));
  parts.push(footerOf(msg));
  // The topic as a tag too: ntfy shows unknown tags as words, so subscribers can filter on it.
  const tags = [TAG[msg.severity], msg.topic.replace(/[^A-Za-z0-9_.-]/g, '_')].join(',');
  return {
    contentType: 'text/plain; charset=utf-8',
    body: truncateBytes(parts.join('\n\n'), NTFY_MAX_BODY_BYTES),
    // ASCII separators keep the common title a plain header (no encoded word needed).
    headers: { Title: headerSafe(`Pilot: ${msg.title.replace(/ · /g, ' - ')}`.slice(0, 250)), Tags: tags, Priority: PRIORITY[msg.severity] },
  };
}
