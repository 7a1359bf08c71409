// Where the daemon's IPC socket is, found the way `pilotctl` finds it (getSocket in
// cmd/pilotctl/main.go, then driver.DefaultSocketPath in pilot-protocol/common), with the app's
// own override first. Also: which webhook URL the user had given the daemon, so a first run can
// import it. Pure: the environment and the file system come in as arguments.

import path from 'node:path';

/** Folder name pilotctl and the daemon keep their state in, under $PILOT_HOME or the home dir. */
export const PILOT_DIR = '.pilot';
/** pilotctl's settings file inside PILOT_DIR; its "socket" key names the socket. */
export const PILOT_CONFIG_FILE = 'config.json';
/** Written by the daemon's webhook plugin on every SetWebhook (removed on clear). */
export const PILOT_WEBHOOK_URL_FILE = 'webhook_url';
/** Socket name under $XDG_RUNTIME_DIR (Linux only, as in driver.DefaultSocketPath). */
export const XDG_SOCKET_NAME = 'pilot.sock';
/** The last resort on every Unix. */
export const DEFAULT_SOCKET_PATH = '/tmp/pilot.sock';

export const WINDOWS_UNSUPPORTED =
  'The Pilot daemon does not run on Windows; the daemon link is off. Events can still be sent with "Send test event", or run the app on macOS or Linux next to a daemon.';

/** Which discovery rule won, for code; `source` says the same in words. */
export type SocketRule = 'override' | 'env' | 'config' | 'xdg' | 'default';

export interface SocketResolution {
  /** the socket to use, or null when the platform has no daemon (`unsupported` says why) */
  path: string | null;
  /** which rule won, in words for the user: "PILOT_SOCKET", `"socket" in …/config.json`, … */
  source?: string;
  rule?: SocketRule;
  unsupported?: string;
}

/** Reads a text file; returns null (or throws) when it cannot. */
export type ReadTextFile = (file: string) => string | null;

export interface DiscoveryInput {
  env: Readonly<Record<string, string | undefined>>;
  homedir: string;
  platform: string;
  readFile: ReadTextFile;
  /** --daemon-socket or the daemonSocket setting */
  override?: string | null;
}

/** pilotctl's config folder: $PILOT_HOME/.pilot when PILOT_HOME is set, else ~/.pilot. */
export function pilotConfigDir(env: DiscoveryInput['env'], homedir: string): string {
  const pilotHome = env.PILOT_HOME;
  return path.posix.join(pilotHome ? pilotHome : homedir, PILOT_DIR);
}

export function resolveSocketPath(input: DiscoveryInput): SocketResolution {
  if (input.platform === 'win32') return { path: null, unsupported: WINDOWS_UNSUPPORTED };
  const { env, homedir, readFile, override } = input;
  if (override) return { path: override, rule: 'override', source: '--daemon-socket / setting' };
  if (env.PILOT_SOCKET) return { path: env.PILOT_SOCKET, rule: 'env', source: 'PILOT_SOCKET' };
  const configPath = path.posix.join(pilotConfigDir(env, homedir), PILOT_CONFIG_FILE);
  const fromConfig = readJsonObject(readFile, configPath)?.socket;
  if (typeof fromConfig === 'string' && fromConfig !== '') {
    return { path: fromConfig, rule: 'config', source: `"socket" in ${configPath}` };
  }
  if (input.platform === 'linux' && env.XDG_RUNTIME_DIR) {
    return {
      path: path.posix.join(env.XDG_RUNTIME_DIR, XDG_SOCKET_NAME),
      rule: 'xdg',
      source: '$XDG_RUNTIME_DIR',
    };
  }
  return { path: DEFAULT_SOCKET_PATH, rule: 'default', source: 'default' };
}

export interface DaemonWebhookUrl {
  url: string;
  /** the file it came from, to tell the user */
  from: string;
}

/** The webhook URL the user had given the daemon (see findDaemonWebhookUrl), or null. */
export function readDaemonWebhookUrl(input: Parameters<typeof findDaemonWebhookUrl>[0]): string | null {
  return findDaemonWebhookUrl(input)?.url ?? null;
}

/**
 * The webhook URL the user had given the daemon, and the file it is in, or null.
 * Looked up in the order the daemon itself picks its URL at start (-webhook flag > config.json
 * "webhook" > ~/.pilot/webhook_url): "webhook" in pilotctl's config.json (under PILOT_HOME when
 * set; `pilotctl daemon start` passes it as -webhook), then in ~/.pilot/config.json (the file the
 * daemon loads itself), then the webhook plugin's ~/.pilot/webhook_url, written on every IPC
 * SetWebhook — by this app too, which is why it comes last and why candidates that
 * `isOwnIngestUrl` (or the ingest URL shape) recognise are skipped, as are non-http(s) values.
 * The plugin resolves ~ with the home directory, never PILOT_HOME.
 */
export function findDaemonWebhookUrl(input: {
  env: DiscoveryInput['env'];
  homedir: string;
  readFile: ReadTextFile;
  isOwnIngestUrl?: (url: string) => boolean;
}): DaemonWebhookUrl | null {
  const { env, homedir, readFile } = input;
  const isOwn = input.isOwnIngestUrl ?? looksLikeIngestUrl;
  const homeDir = path.posix.join(homedir, PILOT_DIR);
  const candidates: DaemonWebhookUrl[] = [];
  const configs = [path.posix.join(pilotConfigDir(env, homedir), PILOT_CONFIG_FILE), path.posix.join(homeDir, PILOT_CONFIG_FILE)];
  for (const file of new Set(configs)) {
    const webhook = readJsonObject(readFile, file)?.webhook;
    if (typeof webhook === 'string' && webhook.trim() !== '') candidates.push({ url: webhook.trim(), from: file });
  }
  const persisted = path.posix.join(homeDir, PILOT_WEBHOOK_URL_FILE);
  const text = safeRead(readFile, persisted)?.trim();
  if (text) candidates.push({ url: text, from: persisted });
  return candidates.find((c) => isHttpUrl(c.url) && !isOwn(c.url) && !looksLikeIngestUrl(c.url)) ?? null;
}

/**
 * True for URLs shaped like one of this app's ingest URLs (any run): loopback host and a path
 * /ingest/<token of 32 random bytes>. Ports and tokens change every run, so the shape is all a
 * later run can recognise — and importing one would point deliveries at a dead port.
 */
export function looksLikeIngestUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const loopback = u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
  return loopback && /^\/ingest\/[A-Za-z0-9_-]{43,64}\/?$/.test(u.pathname);
}

function isHttpUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function safeRead(readFile: ReadTextFile, file: string): string | null {
  try {
    return readFile(file);
  } catch {
    return null;
  }
}

function readJsonObject(readFile: ReadTextFile, file: string): Record<string, unknown> | null {
  const text = safeRead(readFile, file);
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    // pilotctl falls back to defaults on a corrupt config.json; so do we.
    return null;
  }
}
