// Microsoft Teams through a Workflows ("When a Teams webhook request is received") URL: the
// message envelope with one Adaptive Card attachment. A Workflows URL answers 202 to anything and
// only then fails on Microsoft's side when the body is not this shape, so the shape is exact:
// `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",
// "content":{AdaptiveCard 1.4}}]}`. Cards are limited to about 28 KB. Pure.

import { footerOf, truncate, type ChatMessage } from './chat-message';
import { jsonBody, type RenderedBody } from './rendered';
import { utf8Length } from './text-bounds';

export const ADAPTIVE_CARD_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_VERSION = '1.4';
/** Teams' documented card size limit is 28 KB; text is cut well below it. */
export const TEAMS_MAX_TEXT = 4000;
export const TEAMS_MAX_FACTS = 10;

const COLOR = { info: 'Accent', warning: 'Warning', error: 'Attention' } as const;

/** The card's size limit with room for the envelope: Teams documents about 28 KB per card. */
export const TEAMS_MAX_CARD_BYTES = 26 * 1024;
/** Longest fact name / value on a card (a FactSet is a summary table). */
const FACT_NAME_CHARS = 100;
const FACT_VALUE_CHARS = 500;

function card(msg: ChatMessage, textChars: number): Record<string, unknown> {
  const body: unknown[] = [
    { type: 'TextBlock', text: truncate(msg.title, 200), weight: 'Bolder', size: 'Medium', color: COLOR[msg.severity], wrap: true },
    { type: 'TextBlock', text: truncate(msg.text, textChars), wrap: true },
  ];
  if (msg.lines.length > 0) body.push({ type: 'TextBlock', text: truncate(msg.lines.map((l) => `- ${l}`).join('\n'), textChars), wrap: true });
  if (msg.facts.length > 0) {
    body.push({
      type: 'FactSet',
      facts: msg.facts.slice(0, TEAMS_MAX_FACTS).map((f) => ({ title: truncate(f.name, FACT_NAME_CHARS), value: truncate(f.value, Math.min(FACT_VALUE_CHARS, textChars)) })),
    });
  }
  body.push({ type: 'TextBlock', text: truncate(footerOf(msg), 500), isSubtle: true, size: 'Small', wrap: true });
  return { type: 'AdaptiveCard', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: ADAPTIVE_CARD_VERSION, body, msteams: { width: 'Full' } };
}

export function renderTeams(msg: ChatMessage): RenderedBody {
  // Characters are not bytes (a CJK character is 3): shrink the text until the card fits.
  let chars = TEAMS_MAX_TEXT;
  let content = card(msg, chars);
  while (utf8Length(JSON.stringify(content)) > TEAMS_MAX_CARD_BYTES && chars > 100) {
    chars = Math.floor(chars / 2);
    content = card(msg, chars);
  }
  return jsonBody({ type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_TYPE, contentUrl: null, content }] });
}
