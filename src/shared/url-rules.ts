// Which webhook URLs and which IP addresses the app will deliver to (docs/architecture.md, "URL rules").
// Shared by the window's form, the settings store and the sender, so all three say the same thing.
//
// The reference is the daemon's `urlvalidate.Validate`: http/https only, a non-empty host, no
// link-local IP literal (Go's IsLinkLocalUnicast / IsLinkLocalMulticast: 169.254.0.0/16,
// 224.0.0.0/24, fe80::/10, ff02::/16, IPv4-mapped forms included), and five cloud metadata host
// names, case-insensitive. Loopback and private addresses stay allowed by default: desktop users
// test against localhost and their LAN. On top of the reference this closes the known gaps (trailing
// dots, numeric IPv4 spellings, IPv6 forms that embed a refused IPv4 address, the metadata and agent
// addresses of AWS, Google Cloud, Oracle, Azure and Alibaba outside link-local, unspecified and
// multicast addresses, the app's own ports) and offers a strict mode that allows public addresses
// only. DNS names are judged again at connect time (egress-guard.ts).

import {
  embeddedIPv4,
  formatIPv4,
  inPrefix,
  parseIPv4,
  parseIPv6,
  parseIp,
  type IpBytes,
  type ParsedIp,
} from './ip-address';

export type UrlErrorCode =
  | 'empty'
  | 'malformed'
  | 'scheme'
  | 'host'
  | 'credentials'
  | 'link_local'
  | 'metadata'
  | 'own_port'
  | 'not_public';

export type UrlCheck = { ok: true; url: string } | { ok: false; code: UrlErrorCode; message: string };

export interface UrlRuleOptions {
  /** public addresses only: refuse loopback, private, shared and reserved ranges too */
  strict?: boolean;
  /** the app's own ingest/UI ports; a loopback host on one of them is refused */
  ownPorts?: readonly number[];
}

/** An address (or host) refused, and why, before the advice is appended. */
export interface Refusal {
  code: UrlErrorCode;
  /** "<subject> <is what>", e.g. "169.254.169.254 is a link-local address (cloud metadata service)" */
  problem: string;
  /** what the user should do instead */
  advice: string;
}

/** The daemon's `urlvalidate` blocklist, exactly: GCP, AWS, Azure metadata DNS names. */
const REFERENCE_METADATA_HOSTNAMES = [
  'metadata.google.internal',
  'metadata.google.com',
  'ec2.internal',
  'instance-data-service.ec2.internal',
  'metadata.azure.com',
] as const;

/**
 * Cloud metadata host names, refused case-insensitively and with any trailing dots. The
 * reference's list, plus the short names that reach the same services through the search domain
 * on those clouds' VMs (GCE: "metadata"; EC2: "instance-data", "instance-data.ec2.internal").
 */
export const METADATA_HOSTNAMES: readonly string[] = [
  ...REFERENCE_METADATA_HOSTNAMES,
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
];

const HTTP_SCHEMES = ['http:', 'https:'] as const;

/** Ports the URL standard leaves out of the URL, so `url.port` is '' for them. */
const DEFAULT_PORTS: Readonly<Record<(typeof HTTP_SCHEMES)[number], number>> = { 'http:': 80, 'https:': 443 };

const USE_OWN_ADDRESS = "use your receiver's own address";
const STRICT_ADVICE = 'strict mode delivers to public addresses only; use a public address, or turn strict mode off';

/** A refusal before it is worded around the address: `what` the address is. */
type Verdict = Omit<Refusal, 'problem'> & { what: string };

interface Range {
  bytes: IpBytes;
  bits: number;
}

function v4(cidr: string): Range {
  const [net, bits] = cidr.split('/');
  return { bytes: parseIPv4(net as string) as IpBytes, bits: Number(bits) };
}

function v6(cidr: string): Range {
  const [net, bits] = cidr.split('/');
  return { bytes: parseIPv6(net as string) as IpBytes, bits: Number(bits) };
}

const inRange = (bytes: IpBytes, r: Range): boolean => inPrefix(bytes, r.bytes, r.bits);

/** 0.0.0.0/8 "this network" (RFC 791/1122): never a destination; Linux even treats 0.0.0.0 as loopback. */
const V4_THIS_NETWORK = v4('0.0.0.0/8');
const V4_LOOPBACK = v4('127.0.0.0/8');
/** Link-local (RFC 3927); holds the cloud metadata service at 169.254.169.254 (AWS, GCP, Azure, OCI). */
const V4_LINK_LOCAL = v4('169.254.0.0/16');
const V4_CLOUD_METADATA = v4('169.254.169.254/32');
/** Local network control block, link-local multicast (RFC 5771): the reference refuses it. */
const V4_LINK_LOCAL_MULTICAST = v4('224.0.0.0/24');
const V4_MULTICAST = v4('224.0.0.0/4');
const V4_BROADCAST = v4('255.255.255.255/32');

/**
 * Cloud metadata and platform agent services outside the link-local range. Each sits inside a
 * block that is otherwise allowed by default (shared 100.64.0.0/10, public, IETF 192.0.0.0/24,
 * unique local fc00::/7), so each is refused by its exact address; the IPv4 ones in every IPv6
 * form that carries them too (judgeIPv6 unwraps those).
 */
const METADATA_ADDRESSES: readonly { range: Range; service: string }[] = [
  { range: v4('100.100.100.200/32'), service: 'Alibaba Cloud metadata' },
  { range: v4('168.63.129.16/32'), service: 'Azure WireServer' },
  { range: v4('192.0.0.192/32'), service: 'Oracle Cloud Classic metadata' },
  { range: v6('fd00:ec2::254/128'), service: 'AWS IPv6 metadata' },
  { range: v6('fd00:ec2::23/128'), service: 'AWS EKS Pod Identity agent' },
  { range: v6('fd20:ce::254/128'), service: 'Google Cloud IPv6 metadata' },
  { range: v6('fd00:c1::a9fe:a9fe/128'), service: 'Oracle Cloud IPv6 metadata' },
];

function metadataVerdict(bytes: IpBytes): Verdict | null {
  const hit = METADATA_ADDRESSES.find((m) => m.range.bytes.length === bytes.length && inRange(bytes, m.range));
  return hit ? { code: 'metadata', what: `a cloud metadata service address (${hit.service})`, advice: USE_OWN_ADDRESS } : null;
}

/** Not reachable on the public internet (IANA special-purpose registry): refused in strict mode. */
const V4_NON_PUBLIC: readonly { range: Range; what: string }[] = [
  { range: v4('10.0.0.0/8'), what: 'a private address (RFC 1918)' },
  { range: v4('172.16.0.0/12'), what: 'a private address (RFC 1918)' },
  { range: v4('192.168.0.0/16'), what: 'a private address (RFC 1918)' },
  { range: v4('100.64.0.0/10'), what: 'a shared carrier-grade NAT address (RFC 6598)' },
  { range: v4('192.0.0.0/24'), what: 'an IETF protocol address (RFC 6890)' },
  { range: v4('192.0.2.0/24'), what: 'a documentation address (RFC 5737)' },
  { range: v4('198.51.100.0/24'), what: 'a documentation address (RFC 5737)' },
  { range: v4('203.0.113.0/24'), what: 'a documentation address (RFC 5737)' },
  { range: v4('198.18.0.0/15'), what: 'a benchmarking address (RFC 2544)' },
  { range: v4('240.0.0.0/4'), what: 'a reserved address (RFC 1112)' },
];

const V6_UNSPECIFIED = v6('::/128');
const V6_LOOPBACK = v6('::1/128');
const V6_LINK_LOCAL = v6('fe80::/10');
/** Link-local-scope multicast: the reference refuses it (Go's IsLinkLocalMulticast). */
const V6_LINK_LOCAL_MULTICAST = v6('ff02::/16');
const V6_MULTICAST = v6('ff00::/8');

const V6_NON_PUBLIC: readonly { range: Range; what: string }[] = [
  { range: v6('fc00::/7'), what: 'a unique local address (private IPv6, RFC 4193)' },
  { range: v6('fec0::/10'), what: 'a site-local address (deprecated private IPv6, RFC 3879)' },
  { range: v6('2001:db8::/32'), what: 'a documentation address (RFC 3849)' },
  { range: v6('3fff::/20'), what: 'a documentation address (RFC 9637)' },
  { range: v6('100::/64'), what: 'a discard-only address (RFC 6666)' },
  { range: v6('64:ff9b:1::/48'), what: 'a local-use NAT64 address (RFC 8215)' },
];

const EMBEDDING_NAMES: Readonly<Record<ReturnType<typeof embeddedIPv4>[number]['via'], string>> = {
  mapped: 'an IPv4-mapped',
  compatible: 'an IPv4-compatible',
  translated: 'an IPv4-translated',
  nat64: 'a NAT64',
  '6to4': 'a 6to4',
  teredo: 'a Teredo',
  isatap: 'an ISATAP',
};

function judgeIPv4(bytes: IpBytes, strict: boolean): Verdict | null {
  if (inRange(bytes, V4_THIS_NETWORK)) {
    return {
      code: 'host',
      what: 'not a destination (0.0.0.0/8 means "this host, any address")',
      advice: 'use 127.0.0.1 for a receiver on this computer, or the receiver\'s own address',
    };
  }
  if (inRange(bytes, V4_CLOUD_METADATA)) {
    return { code: 'link_local', what: 'a link-local address (cloud metadata service)', advice: USE_OWN_ADDRESS };
  }
  if (inRange(bytes, V4_LINK_LOCAL)) {
    return {
      code: 'link_local',
      what: 'a link-local address (169.254.0.0/16, where cloud metadata services live)',
      advice: USE_OWN_ADDRESS,
    };
  }
  if (inRange(bytes, V4_LINK_LOCAL_MULTICAST)) {
    return { code: 'link_local', what: 'a link-local multicast address (224.0.0.0/24)', advice: USE_OWN_ADDRESS };
  }
  if (inRange(bytes, V4_MULTICAST) || inRange(bytes, V4_BROADCAST)) {
    return { code: 'host', what: 'a multicast or broadcast address, not a single receiver', advice: USE_OWN_ADDRESS };
  }
  const metadata = metadataVerdict(bytes);
  if (metadata) return metadata;
  if (!strict) return null;
  if (inRange(bytes, V4_LOOPBACK)) return { code: 'not_public', what: 'a loopback address', advice: STRICT_ADVICE };
  const special = V4_NON_PUBLIC.find((s) => inRange(bytes, s.range));
  return special ? { code: 'not_public', what: special.what, advice: STRICT_ADVICE } : null;
}

function judgeIPv6(bytes: IpBytes, strict: boolean): Verdict | null {
  if (inRange(bytes, V6_UNSPECIFIED)) {
    return {
      code: 'host',
      what: 'not a destination (:: is the unspecified address)',
      advice: 'use [::1] for a receiver on this computer, or the receiver\'s own address',
    };
  }
  if (inRange(bytes, V6_LINK_LOCAL)) {
    return { code: 'link_local', what: 'a link-local address (fe80::/10)', advice: USE_OWN_ADDRESS };
  }
  if (inRange(bytes, V6_LINK_LOCAL_MULTICAST)) {
    return { code: 'link_local', what: 'a link-local multicast address (ff02::/16)', advice: USE_OWN_ADDRESS };
  }
  if (inRange(bytes, V6_MULTICAST)) {
    return { code: 'host', what: 'a multicast address, not a single receiver', advice: USE_OWN_ADDRESS };
  }
  const metadata = metadataVerdict(bytes);
  if (metadata) return metadata;
  // An address that carries an IPv4 address is refused when that IPv4 address would be: a
  // dual-stack socket, a NAT64 gateway or a tunnel would take the packet there.
  for (const { via, v4: inner } of embeddedIPv4(bytes)) {
    const verdict = judgeIPv4(inner, strict);
    if (verdict) {
      return { ...verdict, what: `${EMBEDDING_NAMES[via]} form of ${formatIPv4(inner)}, ${verdict.what}` };
    }
  }
  if (!strict) return null;
  if (inRange(bytes, V6_LOOPBACK)) return { code: 'not_public', what: 'a loopback address', advice: STRICT_ADVICE };
  const special = V6_NON_PUBLIC.find((s) => inRange(bytes, s.range));
  return special ? { code: 'not_public', what: special.what, advice: STRICT_ADVICE } : null;
}

function judgeIp(ip: ParsedIp, display: string, strict: boolean): Refusal | null {
  const verdict = ip.family === 4 ? judgeIPv4(ip.bytes, strict) : judgeIPv6(ip.bytes, strict);
  return verdict ? { code: verdict.code, problem: `${display} is ${verdict.what}`, advice: verdict.advice } : null;
}

/**
 * Why this IP address must not be a delivery target, or null when it may be one. Accepts what a
 * resolver returns or a URL host holds: IPv4 (any WHATWG form), IPv6 with or without brackets and
 * zone. Unwraps IPv4-mapped, -compatible and -translated forms, NAT64 (64:ff9b::/96, 64:ff9b:1::/48),
 * 6to4, Teredo and ISATAP, judging the embedded IPv4 address. Anything that is not an IP address
 * is refused: this is the last check before a connection, so it fails closed.
 */
export function refusedAddressReason(ip: string, opts: { strict?: boolean } = {}): string | null {
  const refusal = addressRefusal(ip, opts);
  return refusal ? formatRefusal(refusal) : null;
}

/** refusedAddressReason with the error code, for callers that report one. */
export function addressRefusal(ip: string, opts: { strict?: boolean } = {}): Refusal | null {
  const parsed = parseIp(ip);
  if (!parsed) {
    return { code: 'malformed', problem: `"${ip}" is not an IP address`, advice: 'only an IP address can be judged here' };
  }
  return judgeIp(parsed, ip, opts.strict === true);
}

export function formatRefusal(r: Refusal): string {
  return `${r.problem}; ${r.advice}`;
}

/** True for 127.0.0.0/8, ::1 and the IPv6 forms that carry a 127.x address. */
export function isLoopbackAddress(ip: string): boolean {
  const parsed = parseIp(ip);
  if (!parsed) return false;
  if (parsed.family === 4) return inRange(parsed.bytes, V4_LOOPBACK);
  if (inRange(parsed.bytes, V6_LOOPBACK)) return true;
  return embeddedIPv4(parsed.bytes).some(
    (e) => (e.via === 'mapped' || e.via === 'compatible') && inRange(e.v4, V4_LOOPBACK),
  );
}

/** Host names that always mean this computer (RFC 6761: "localhost" and every name under it). */
export function isLoopbackHostname(hostname: string): boolean {
  const name = withoutTrailingDots(hostname.toLowerCase());
  return name === 'localhost' || name.endsWith('.localhost');
}

/** True for a cloud metadata host name, whatever its case and trailing dots. */
export function isMetadataHostname(hostname: string): boolean {
  return METADATA_HOSTNAMES.includes(withoutTrailingDots(hostname.toLowerCase()));
}

/** "name." is the same DNS name as "name" (absolute form); "name.." is resolved the same way too. */
function withoutTrailingDots(name: string): string {
  return name.replace(/\.+$/, '');
}

/** The WHATWG URL class exists in Node and in browsers but in neither lib this folder compiles with. */
interface WhatwgUrl {
  readonly href: string;
  readonly protocol: string;
  readonly username: string;
  readonly password: string;
  readonly hostname: string;
  readonly port: string;
}
type WhatwgUrlConstructor = new (input: string) => WhatwgUrl;

/**
 * The same parser the sender (undici) and the window use, so the host judged here is exactly the
 * host that will be connected to: it normalizes "2852039166", "0xa9fea9fe", "169.254.43518",
 * full-width and percent-encoded host names, and upper case, before we look.
 */
function parseUrl(text: string): WhatwgUrl | null {
  const UrlClass = (globalThis as unknown as { URL: WhatwgUrlConstructor }).URL;
  try {
    return new UrlClass(text);
  } catch {
    return null;
  }
}

/** scheme://[userinfo@][host-with-zone]… — the URL standard refuses IPv6 zones outright. */
const ZONED_IPV6_HOST = /^[a-z][a-z0-9+.-]*:[/\\]*(?:[^/\\?#@]*@)?\[([^\]/\\?#]*%[^\]/\\?#]*)\]/i;

function refuse(code: UrlErrorCode, message: string): UrlCheck {
  return { ok: false, code, message };
}

function refuseWith(r: Refusal): UrlCheck {
  return refuse(r.code, formatRefusal(r));
}

/** Why the text did not parse as a URL, as helpfully as we can tell. */
function unparsable(text: string, opts: UrlRuleOptions): UrlCheck {
  if (/^https?:[/\\]*$/i.test(text)) {
    return refuse('host', "the URL has no host; add your receiver's address, e.g. https://example.com/webhook");
  }
  const zoned = ZONED_IPV6_HOST.exec(text);
  if (zoned) {
    // Same verdict as the reference (which strips the zone before judging), so a link-local
    // address with a zone is reported as link-local rather than as a typo.
    const address = decodeURIComponentSafe(zoned[1] as string);
    const refusal = addressRefusal(address, opts);
    if (refusal && refusal.code !== 'malformed') return refuseWith(refusal);
    return refuse('malformed', `an IPv6 zone ("%25…") cannot be used in a URL; remove it from [${zoned[1]}]`);
  }
  if (!/^[a-z][a-z0-9+.-]*:/i.test(text)) {
    return refuse('malformed', 'this is not a full URL; start it with http:// or https://, e.g. https://example.com/webhook');
  }
  return refuse('malformed', 'this is not a valid URL; check it for typos, e.g. spaces or a stray character in the host');
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Checks a webhook URL typed by the user or read from settings. On success returns it normalized
 * (the WHATWG serialization: lower-case scheme and host, numeric IPv4 in dotted form, default
 * port dropped), which is what should be stored and sent to.
 */
export function checkWebhookUrl(input: string, opts: UrlRuleOptions = {}): UrlCheck {
  const strict = opts.strict === true;
  const text = input.trim();
  if (text === '') return refuse('empty', "no URL given; enter your receiver's http:// or https:// URL");

  // "https:///path" is read by the URL standard as host "path"; the user meant an empty host.
  if (/^https?:[/\\]{3}/i.test(text)) {
    return refuse('host', "the URL has no host; add your receiver's address, e.g. https://example.com/webhook");
  }
  const url = parseUrl(text);
  if (!url) return unparsable(text, opts);

  const scheme = url.protocol.toLowerCase();
  if (!(HTTP_SCHEMES as readonly string[]).includes(scheme)) {
    // "localhost:8080/hook" parses as scheme "localhost:"; say what was really missing.
    if (/^[^:/?#]+:[0-9]+(?:[/?#]|$)/.test(text)) {
      return refuse('scheme', `this looks like host:port without a scheme; start it with http://, e.g. http://${text}`);
    }
    return refuse('scheme', `"${scheme}" URLs are not supported; use an http:// or https:// URL`);
  }
  const host = url.hostname;
  if (host === '') {
    return refuse('host', "the URL has no host; add your receiver's address, e.g. https://example.com/webhook");
  }
  const port = url.port === '' ? DEFAULT_PORTS[scheme as keyof typeof DEFAULT_PORTS] : Number(url.port);
  if (port === 0) return refuse('malformed', 'port 0 cannot be connected to; use the port your receiver listens on');

  // The host is judged before credentials, so "http://a@169.254.169.254" is reported for what it
  // targets: the part before "@" never decides where the request goes.
  const ip = parseIp(host);
  if (ip) {
    const refusal = judgeIp(ip, host, strict);
    if (refusal) return refuseWith(refusal);
  } else {
    if (isMetadataHostname(host)) {
      return refuse('metadata', `${host} is a cloud metadata service, never a webhook receiver; ${USE_OWN_ADDRESS}`);
    }
    if (strict && isLoopbackHostname(host)) {
      return refuse('not_public', `${host} is this computer (loopback); ${STRICT_ADVICE}`);
    }
  }
  const loopback = ip ? isLoopbackAddress(host) : isLoopbackHostname(host);
  if (loopback && (opts.ownPorts ?? []).includes(port)) {
    return refuse(
      'own_port',
      `${host}:${port} is this app's own ingest/UI port; deliveries there would loop — use your receiver's port`,
    );
  }

  // Refused, unlike the daemon (whose Go client turns them into Basic auth): undici's request()
  // silently drops URL credentials and its fetch() refuses such URLs, the URL is shown in clear in
  // the window, the log and the state API, and "https://trusted.example@elsewhere/" is the classic
  // way to disguise where a link points.
  if (url.username !== '' || url.password !== '') {
    return refuse(
      'credentials',
      'the URL contains a user name or password (before "@"), which this app does not send and would show in its log; ' +
        'remove them and put a token in the path or query, or use a signing secret',
    );
  }
  return { ok: true, url: url.href };
}
