// Slack incoming webhooks: `text` (required: without it Slack answers 400 no_text, and it is the
// notification's fallback) plus Block Kit `blocks`. Limits from Slack's documentation: at most 50
// blocks; a section's text at most 3,000 characters; a header's plain text at most 150; a
// context block at most 10 elements. Text is Slack "mrkdwn": &, < and > must be escaped, which
// also keeps event data from forming links or @-mentions. Pure.

import { footerOf, truncate, type ChatMessage } from './chat-message';
import { jsonBody, type RenderedBody } from './rendered';

export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, contextElements: 10, sectionFields: 10, fieldText: 2000, text: 40_000 } as const;

/** Slack's three control characters, escaped as its documentation asks. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ICON = { info: ':large_blue_circle:', warning: ':warning:', error: ':rotating_light:' } as const;

export function renderSlack(msg: ChatMessage): RenderedBody {
  const text = truncate(slackEscape(msg.text), SLACK_LIMITS.sectionText - 40);
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `${ICON[msg.severity]} *${text}*` } },
  ];
  if (msg.lines.length > 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(msg.lines.map((l) => `• ${slackEscape(l)}`).join('\n'), SLACK_LIMITS.sectionText) } });
  }
  if (msg.facts.length > 0) {
    blocks.push({
      type: 'section',
      fields: msg.facts.slice(0, SLACK_LIMITS.sectionFields).map((f) => ({
        type: 'mrkdwn',
        text: truncate(`*${slackEscape(f.name)}*\n${slackEscape(f.value)}`, SLACK_LIMITS.fieldText),
      })),
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(slackEscape(footerOf(msg)), SLACK_LIMITS.sectionText) }] });
  return jsonBody({ text: truncate(slackEscape(msg.text), SLACK_LIMITS.text), blocks });
}
