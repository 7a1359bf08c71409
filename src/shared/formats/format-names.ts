// The body formats a destination can take, and the one guessed from a URL when the user gave
// none (hooks.slack.com → slack, …), with the reason shown to the user. Pure.

export const FORMATS = ['pilot', 'slack', 'mattermost', 'discord', 'teams', 'google-chat', 'ntfy', 'custom'] as const;
export type FormatName = (typeof FORMATS)[number];

export function isFormatName(v: unknown): v is FormatName {
  return typeof v === 'string' && (FORMATS as readonly string[]).includes(v);
}

/** Formats that post a human-readable chat message (rate-limited and digested by default). */
export const CHAT_FORMATS: ReadonlySet<FormatName> = new Set(['slack', 'mattermost', 'discord', 'teams', 'google-chat', 'ntfy']);

/** What each format is, for the window's format picker and the API's answers. */
export const FORMAT_LABELS: Readonly<Record<FormatName, string>> = {
  pilot: "Pilot JSON (the daemon's own body, signed)",
  slack: 'Slack incoming webhook (text + Block Kit)',
  mattermost: 'Mattermost incoming webhook (Slack-compatible text)',
  discord: 'Discord webhook (content + embed)',
  teams: 'Microsoft Teams Workflows (Adaptive Card)',
  'google-chat': 'Google Chat webhook (text)',
  ntfy: 'ntfy topic (plain text + Title/Tags/Priority)',
  custom: 'Custom JSONata template',
};

export interface FormatGuess {
  format: FormatName;
  /** why, in words: "chosen from the host hooks.slack.com" */
  reason: string;
}

function hostIs(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

/**
 * The format a URL's host calls for. Only the services' own hosts are recognised; anything else
 * (a self-hosted n8n, Mattermost or ntfy included) takes the daemon's JSON until the user picks.
 */
export function guessFormat(url: string): FormatGuess {
  let u: { hostname: string; pathname: string };
  try {
    // WHATWG URL: in Node and browsers, but not in the language-only lib src/shared compiles with.
    u = new (globalThis as unknown as { URL: new (s: string) => { hostname: string; pathname: string } }).URL(url);
  } catch {
    return { format: 'pilot', reason: 'the default (the URL could not be read)' };
  }
  const host = u.hostname.toLowerCase().replace(/\.$/, '');
  const because = (format: FormatName): FormatGuess => ({ format, reason: `chosen from the host ${host}` });
  if (host === 'hooks.slack.com') return because('slack');
  if ((hostIs(host, 'discord.com') || hostIs(host, 'discordapp.com')) && u.pathname.startsWith('/api/webhooks/')) return because('discord');
  if (hostIs(host, 'webhook.office.com') || hostIs(host, 'logic.azure.com') || hostIs(host, 'powerplatform.com')) return because('teams');
  if (host === 'chat.googleapis.com') return because('google-chat');
  if (host === 'ntfy.sh') return because('ntfy');
  return { format: 'pilot', reason: "the default: the daemon's own JSON body" };
}
