// One entry point for every format: the body a destination sends for one event, or for a digest
// of many. `pilot` is the daemon's JSON exactly as the app sends it today; the chat formats
// render the same ChatMessage; `custom` runs the destination's compiled JSONata template. Pure.

import type { PilotEventBody } from '../events';
import { digestMessage, eventMessage, type ChatMessage } from './chat-message';
import type { CompiledTemplate } from './custom-template';
import { renderDiscord } from './discord';
import type { FormatName } from './format-names';
import { renderGoogleChat } from './google-chat';
import { renderMattermost } from './mattermost';
import { renderNtfy } from './ntfy';
import { jsonBody, type RenderedBody } from './rendered';
import { renderSlack } from './slack';
import { renderTeams } from './teams';

type ChatFormat = Exclude<FormatName, 'pilot' | 'custom'>;

const CHAT_RENDERERS: Readonly<Record<ChatFormat, (m: ChatMessage) => RenderedBody>> = {
  slack: renderSlack,
  mattermost: renderMattermost,
  discord: renderDiscord,
  teams: renderTeams,
  'google-chat': renderGoogleChat,
  ntfy: renderNtfy,
};

export function isChatFormat(format: FormatName): format is ChatFormat {
  return Object.hasOwn(CHAT_RENDERERS, format);
}

/** The chat body for any message (an event's or a digest's). */
export function renderChat(format: ChatFormat, msg: ChatMessage): RenderedBody {
  return CHAT_RENDERERS[format](msg);
}

/** The body for one event in `format`; `custom` needs its compiled template. */
export async function renderEvent(format: FormatName, ev: PilotEventBody, template?: CompiledTemplate): Promise<RenderedBody> {
  if (format === 'pilot') return jsonBody(ev);
  if (format === 'custom') {
    if (!template) throw new Error('the custom format needs a template');
    return template.render(ev);
  }
  return renderChat(format, eventMessage(ev));
}

/**
 * The body of digest #`digestNo` standing for `events` (chat formats only: a pilot or custom
 * receiver gets each event as its own body).
 */
export function renderDigest(format: ChatFormat, digestNo: number, events: readonly PilotEventBody[]): RenderedBody {
  return renderChat(format, digestMessage(digestNo, events));
}
