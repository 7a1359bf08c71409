// Connect-time URL safety (docs/architecture.md, "URL rules"): the URL rules judge what the user typed, but a
// DNS name can point anywhere and can change its answer between two requests (DNS rebinding).
// So every new connection resolves the host here, refuses if any answer is a refused address,
// and then connects to exactly the address it checked, never to a name resolved a second time.

import { lookup as systemLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import {
  addressRefusal,
  formatRefusal,
  isLoopbackAddress,
  isMetadataHostname,
} from '../../shared/url-rules';

/** The `code` of every error this guard raises, so the sender can record the attempt as "blocked". */
export const BLOCKED_ERROR_CODE = 'EPILOT_BLOCKED';

/**
 * How long name resolution may take before the connection is refused. getaddrinfo has no timeout
 * of its own and can hang for the resolver's full retry cycle (tens of seconds); 2 s is far above
 * a healthy resolver's answer time and well inside the sender's 5 s per-attempt budget.
 */
export const DEFAULT_DNS_TIMEOUT_MS = 2000;

export type ResolvedAddress = { address: string; family: 4 | 6 };
export type Lookup = (host: string) => Promise<ResolvedAddress[]>;

export interface EgressGuardOptions {
  /** public addresses only (see url-rules) */
  strict?: boolean;
  /** the app's own ingest/UI ports, read at every connection because they change on restart */
  ownPorts?: () => readonly number[];
  /** name resolution; default: the system resolver (node:dns lookup, all addresses) */
  lookup?: Lookup;
  dnsTimeoutMs?: number;
  /** passed to undici's Agent */
  keepAliveTimeoutMs?: number;
  /** passed to undici's Agent: sockets per origin */
  connections?: number;
}

/**
 * Why a connection was refused. `retryable` is true when the cause may go away by itself (the
 * resolver failed or was slow), false when the destination itself is refused.
 */
export type BlockedKind = 'refused_address' | 'own_port' | 'metadata_host' | 'dns_failed' | 'dns_timeout' | 'no_address';

export class EgressBlockedError extends Error {
  readonly code = BLOCKED_ERROR_CODE;
  readonly retryable: boolean;

  constructor(
    message: string,
    readonly kind: BlockedKind,
    readonly host: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EgressBlockedError';
    this.retryable = kind === 'dns_failed' || kind === 'dns_timeout';
  }
}

/**
 * Errors after which the next checked address of the same name is tried: the address did not
 * answer, so nothing was sent to it. (A name like "localhost" often resolves to ::1 and 127.0.0.1
 * while a receiver listens on only one of them.) TLS and HTTP errors are not in the list.
 */
const TRY_NEXT_ADDRESS_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'EAFNOSUPPORT',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 };

async function defaultLookup(host: string): Promise<ResolvedAddress[]> {
  const answers = await systemLookup(host, { all: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

/**
 * An undici Agent whose connector resolves the host itself, refuses when ANY resolved address is
 * refused (refusedAddressReason, plus the app's own ports on loopback), fails closed when
 * resolution fails or times out, and connects to exactly the address it checked; TLS still
 * verifies the certificate against the original host name (servername). IP-literal hosts are
 * checked the same way. Errors it raises are EgressBlockedError, code BLOCKED_ERROR_CODE.
 *
 * undici calls the connector for every new socket, so every attempt that opens a connection is
 * checked. Keep-alive reuse of a socket that is already open is not re-checked, and need not be:
 * the socket's peer address was fixed when it was checked, whatever DNS says later.
 */
export function createEgressAgent(opts: EgressGuardOptions = {}): Agent {
  return new Agent({
    connect: createGuardedConnector(opts),
    ...(opts.keepAliveTimeoutMs !== undefined ? { keepAliveTimeout: opts.keepAliveTimeoutMs } : {}),
    ...(opts.connections !== undefined ? { connections: opts.connections } : {}),
  });
}

/** The connector alone, for a Client or Pool of one's own. */
export function createGuardedConnector(opts: EgressGuardOptions = {}): buildConnector.connector {
  const connectChecked = buildConnector({});
  return (options, callback) => {
    // undici expects exactly one callback, whichever of the steps below fails.
    let answered = false;
    const answerOnce: buildConnector.Callback = (...args) => {
      if (answered) return;
      answered = true;
      callback(...args);
    };
    checkDestination(options, opts)
      .then((addresses) => connectInOrder(connectChecked, options, addresses, answerOnce))
      .catch((err: unknown) => answerOnce(err instanceof Error ? err : new Error(String(err)), null));
  };
}

/** Resolves and judges; resolves to the addresses that may be connected to, in resolver order (also the pre-check of a proxied connection, egress-proxy.ts). */
export async function checkDestination(
  options: buildConnector.Options,
  opts: EgressGuardOptions,
): Promise<ResolvedAddress[]> {
  const host = options.hostname;
  const port = options.port ? Number(options.port) : (DEFAULT_PORTS[options.protocol] ?? 0);

  if (isMetadataHostname(host)) {
    throw new EgressBlockedError(
      `not connecting to ${host}: it is a cloud metadata service, never a webhook receiver; use your receiver's own address`,
      'metadata_host',
      host,
    );
  }
  const family = isIP(host);
  const addresses = family === 0 ? await resolve(host, opts) : [{ address: host, family: family as 4 | 6 }];
  if (addresses.length === 0) {
    throw new EgressBlockedError(
      `not connecting to ${host}: the resolver returned no address; check the host name`,
      'no_address',
      host,
    );
  }
  const via = family === 0 ? `${host} resolves to ${addresses.map((a) => a.address).join(', ')}; ` : '';
  for (const { address } of addresses) {
    const refusal = addressRefusal(address, { strict: opts.strict === true });
    if (refusal) {
      throw new EgressBlockedError(`not connecting: ${via}${formatRefusal(refusal)}`, 'refused_address', host);
    }
    if (isLoopbackAddress(address) && (opts.ownPorts?.() ?? []).includes(port)) {
      throw new EgressBlockedError(
        `not connecting: ${via}port ${port} on ${address} is this app's own ingest/UI port; ` +
          "deliveries there would loop — use your receiver's port",
        'own_port',
        host,
      );
    }
  }
  return addresses;
}

async function resolve(host: string, opts: EgressGuardOptions): Promise<ResolvedAddress[]> {
  const lookup = opts.lookup ?? defaultLookup;
  const timeoutMs = opts.dnsTimeoutMs ?? DEFAULT_DNS_TIMEOUT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new EgressBlockedError(
            `not connecting to ${host}: resolving it took longer than ${timeoutMs} ms, so its address ` +
              'could not be checked; check your network or DNS and try again',
            'dns_timeout',
            host,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([lookup(host), timeout]);
  } catch (err) {
    if (err instanceof EgressBlockedError) throw err;
    const code = (err as { code?: unknown }).code;
    throw new EgressBlockedError(
      `not connecting to ${host}: it could not be resolved${typeof code === 'string' ? ` (${code})` : ''}, ` +
        'so its address could not be checked; check the host name and your network',
      'dns_failed',
      host,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Connects to the checked addresses one after another until one answers. The host name is kept
 * as `host` and `servername`, so the Host header, SNI and certificate check use the name, while
 * the socket goes to the checked address.
 */
function connectInOrder(
  connectChecked: buildConnector.connector,
  options: buildConnector.Options,
  addresses: readonly ResolvedAddress[],
  callback: buildConnector.Callback,
): void {
  const servername = options.servername || (isIP(options.hostname) === 0 ? options.hostname : undefined);
  const attempt = (index: number): void => {
    const target = addresses[index] as ResolvedAddress;
    connectChecked({ ...options, hostname: target.address, ...(servername ? { servername } : {}) }, (err, socket) => {
      if (err) {
        const code = (err as { code?: unknown }).code;
        if (index + 1 < addresses.length && typeof code === 'string' && TRY_NEXT_ADDRESS_CODES.has(code)) {
          attempt(index + 1);
          return;
        }
        callback(err, null);
        return;
      }
      callback(null, socket as NonNullable<typeof socket>);
    });
  };
  attempt(0);
}
