// Deliveries through the user's HTTP(S) proxy: headless from HTTP_PROXY / HTTPS_PROXY / NO_PROXY
// (undici's EnvHttpProxyAgent), in Electron from the system's settings (session.resolveProxy,
// which knows PAC files and per-URL rules) into undici ProxyAgents.
//
// What the URL rules still promise behind a proxy: the literal-host rules and our own resolution
// of the name (every answer judged, metadata names refused) run before every new connection,
// exactly as without a proxy. What they cannot promise: the proxy resolves the name itself and
// connects wherever its answer points, so the connect-time check of the final address is the
// proxy's. Hosts the proxy is bypassed for (NO_PROXY, DIRECT) keep the full guard, connected to
// exactly the address checked.

import { Agent, EnvHttpProxyAgent, Pool, ProxyAgent, Dispatcher, type buildConnector } from 'undici';
import { checkDestination, createEgressAgent, createGuardedConnector, type EgressGuardOptions } from './egress-guard';

/** Marks our own guarded connector, so a pool that already has it is not checked twice. */
const GUARDED = Symbol('guarded connector');
type MarkedConnector = buildConnector.connector & { [GUARDED]?: true };

/**
 * undici's per-origin pool factory, with every connection of the pool (to a proxy, for this
 * origin) preceded by the guard's checks of the origin itself.
 */
function guardedFactory(guard: EgressGuardOptions) {
  return (origin: string | URL, options: Pool.Options & { connect?: unknown }): Dispatcher => {
    const connect = options.connect as MarkedConnector | undefined;
    if (typeof connect !== 'function' || connect[GUARDED]) return new Pool(origin, options as Pool.Options);
    const checked: buildConnector.connector = (opts, callback) => {
      checkDestination(opts, guard).then(
        () => connect(opts, callback),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), null),
      );
    };
    return new Pool(origin, { ...(options as Pool.Options), connect: checked });
  };
}

function markedGuardedConnector(guard: EgressGuardOptions): MarkedConnector {
  const connect: MarkedConnector = createGuardedConnector(guard);
  connect[GUARDED] = true;
  return connect;
}

export interface ProxyEnv {
  HTTP_PROXY?: string;
  http_proxy?: string;
  HTTPS_PROXY?: string;
  https_proxy?: string;
  NO_PROXY?: string;
  no_proxy?: string;
}

/** True when the environment names a proxy (lower case wins, as curl and undici read them). */
export function proxyConfigured(env: ProxyEnv): boolean {
  return Boolean(env.http_proxy ?? env.HTTP_PROXY ?? env.https_proxy ?? env.HTTPS_PROXY);
}

/**
 * The headless host's egress: the guarded agent, or — when the environment names a proxy — an
 * EnvHttpProxyAgent whose proxied connections are preceded by the guard's checks and whose
 * NO_PROXY connections keep the full guard.
 */
export function createEnvProxyEgress(guard: EgressGuardOptions, env: ProxyEnv = process.env): Dispatcher {
  if (!proxyConfigured(env)) return createEgressAgent(guard);
  return new EnvHttpProxyAgent({
    httpProxy: env.http_proxy ?? env.HTTP_PROXY,
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY ?? env.http_proxy ?? env.HTTP_PROXY,
    noProxy: env.no_proxy ?? env.NO_PROXY,
    connect: markedGuardedConnector(guard),
    factory: guardedFactory(guard),
    ...(guard.keepAliveTimeoutMs !== undefined ? { keepAliveTimeout: guard.keepAliveTimeoutMs } : {}),
  } as EnvHttpProxyAgent.Options);
}

/**
 * The first usable proxy of a PAC-style answer ("PROXY host:port; DIRECT"), as a URL, or null for
 * DIRECT. SOCKS entries are skipped: undici's ProxyAgent speaks HTTP CONNECT only.
 */
export function proxyUrlFromPac(answer: string): string | null {
  for (const entry of answer.split(';')) {
    const [kind = '', hostPort] = entry.trim().split(/\s+/);
    const k = kind.toUpperCase();
    if (k === 'DIRECT') return null;
    if ((k === 'PROXY' || k === 'HTTP') && hostPort) return `http://${hostPort}`;
    if (k === 'HTTPS' && hostPort) return `https://${hostPort}`;
  }
  return null;
}

/** How long a per-origin proxy answer is reused before asking again (PAC files may change). */
export const PROXY_ANSWER_TTL_MS = 60_000;

/** A minimal controller for a handler we must fail before undici has given it one. */
function detachedController(): Dispatcher.DispatchController {
  return { abort: () => undefined, pause: () => undefined, resume: () => undefined, paused: false, aborted: false, reason: null } as unknown as Dispatcher.DispatchController;
}

/**
 * Electron's egress: per origin, asks `resolveProxy` (session.resolveProxy) and sends through a
 * ProxyAgent for that proxy (checked by the guard first) or, for DIRECT, through the guarded agent.
 * A resolver that fails means DIRECT: the guarded path is the safe one.
 */
export class ResolvingProxyDispatcher extends Dispatcher {
  private readonly direct: Agent;
  private readonly proxies = new Map<string, ProxyAgent>();
  private readonly answers = new Map<string, { via: Dispatcher; until: number }>();

  constructor(
    private readonly guard: EgressGuardOptions,
    private readonly resolveProxy: (url: string) => Promise<string>,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.direct = createEgressAgent(guard);
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = String(opts.origin ?? '');
    const known = this.answers.get(origin);
    if (known && known.until > this.now()) return known.via.dispatch(opts, handler);
    this.choose(origin).then(
      (via) => via.dispatch(opts, handler),
      (err: unknown) => handler.onResponseError?.(detachedController(), err instanceof Error ? err : new Error(String(err))),
    );
    return true;
  }

  private async choose(origin: string): Promise<Dispatcher> {
    let proxy: string | null = null;
    try {
      proxy = proxyUrlFromPac(await this.resolveProxy(`${origin}/`));
    } catch {
      proxy = null;
    }
    let via: Dispatcher = this.direct;
    if (proxy !== null) {
      let agent = this.proxies.get(proxy);
      if (!agent) {
        agent = new ProxyAgent({ uri: proxy, factory: guardedFactory(this.guard) } as ProxyAgent.Options);
        this.proxies.set(proxy, agent);
      }
      via = agent;
    }
    this.answers.set(origin, { via, until: this.now() + PROXY_ANSWER_TTL_MS });
    return via;
  }

  override async close(): Promise<void> {
    await Promise.all([this.direct.close(), ...[...this.proxies.values()].map((p) => p.close())]);
  }

  override async destroy(): Promise<void> {
    await Promise.all([this.direct.destroy(), ...[...this.proxies.values()].map((p) => p.destroy())]);
  }
}
