// IP address text → bytes, and the IPv4 addresses hidden inside IPv6 ones. Pure: no Node (no
// node:net), so the window, the settings store and the sender judge addresses with the same code.
// Policy (which addresses are refused) lives in url-rules.ts; this file only parses and extracts.

/** 4 bytes for IPv4, 16 for IPv6, network order. */
export type IpBytes = readonly number[];

export interface ParsedIp {
  family: 4 | 6;
  bytes: IpBytes;
}

/** The largest value one IPv4 part may take, by how many bytes it has to fill. */
const IPV4_PART_LIMITS = [0x100, 0x10000, 0x1000000, 0x100000000] as const;

/**
 * Strict dotted-decimal IPv4 ("169.254.169.254"): what resolvers return and what the WHATWG URL
 * parser writes after normalizing a host. Leading zeros are refused here because other parsers
 * read them as octal; use parseIPv4Loose for those forms.
 */
export function parseIPv4(text: string): IpBytes | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    bytes.push(n);
  }
  return bytes;
}

/**
 * IPv4 as the WHATWG URL standard (and inet_aton) read it: 1 to 4 parts, each decimal, octal
 * (leading 0) or hex (0x); the last part fills the remaining bytes, so "2852039166",
 * "0xa9fea9fe", "0251.0376.0251.0376" and "169.254.43518" all mean 169.254.169.254.
 * One trailing dot is allowed, as the URL standard allows it.
 */
export function parseIPv4Loose(text: string): IpBytes | null {
  const parts = text.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  const values: number[] = [];
  for (const part of parts) {
    const n = parseIPv4Number(part);
    if (n === null) return null;
    values.push(n);
  }
  const last = values.pop() as number;
  if (values.some((v) => v > 255)) return null;
  const lastLimit = IPV4_PART_LIMITS[3 - values.length] as number;
  if (last >= lastLimit) return null;
  const bytes = [...values];
  for (let shift = (3 - values.length) * 8; shift >= 0; shift -= 8) {
    bytes.push(Math.floor(last / 2 ** shift) % 256);
  }
  return bytes;
}

function parseIPv4Number(part: string): number | null {
  let digits = part;
  let radix = 10;
  if (/^0x/i.test(digits)) {
    digits = digits.slice(2);
    radix = 16;
  } else if (digits.length > 1 && digits.startsWith('0')) {
    digits = digits.slice(1);
    radix = 8;
  }
  if (digits === '') return radix === 10 ? null : 0;
  const pattern = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!pattern.test(digits)) return null;
  const n = parseInt(digits, radix);
  // Anything past 2^32 is out of range for every part; stop before float precision matters.
  return n < 2 ** 32 ? n : null;
}

/**
 * IPv6 text (RFC 4291 section 2.2: hex groups, one "::", an optional dotted IPv4 tail), without
 * brackets. A zone ("%eth0") is refused: strip it first with stripZone.
 */
export function parseIPv6(text: string): IpBytes | null {
  if (text.length === 0 || text.includes('%')) return null;
  let head = text;
  let v4Tail: IpBytes | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    v4Tail = parseIPv4(text.slice(lastColon + 1));
    if (v4Tail === null) return null;
    // Keep the colon(s) before the tail, so "::1.2.3.4" leaves "::" to expand.
    head = text.slice(0, lastColon + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsWanted = v4Tail ? 6 : 8;
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0] as string);
  const right = halves.length === 2 ? parseGroups(halves[1] as string) : [];
  if (left === null || right === null) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = groupsWanted - left.length - right.length;
    // "::" stands for at least one zero group.
    if (missing < 1) return null;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  } else {
    if (left.length !== groupsWanted) return null;
    groups = left;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  if (v4Tail) bytes.push(...v4Tail);
  return bytes;
}

/** "fe80::1%eth0" → "fe80::1". Resolvers may hand back scoped link-local addresses. */
export function stripZone(text: string): string {
  const i = text.indexOf('%');
  return i === -1 ? text : text.slice(0, i);
}

/** "[::1]" → "::1"; anything else unchanged. URL hostnames keep the brackets. */
export function stripBrackets(text: string): string {
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
}

/**
 * An IP literal as a URL host or a resolver answer would spell it: IPv6 with or without brackets
 * and zone, IPv4 in any form the WHATWG URL parser accepts. null when it is not an IP literal.
 */
export function parseIp(text: string): ParsedIp | null {
  const bare = stripBrackets(text.trim());
  if (bare.includes(':')) {
    const bytes = parseIPv6(stripZone(bare));
    return bytes ? { family: 6, bytes } : null;
  }
  const bytes = parseIPv4Loose(bare);
  return bytes ? { family: 4, bytes } : null;
}

export function formatIPv4(bytes: IpBytes): string {
  return bytes.slice(0, 4).join('.');
}

/** True when the first `bits` bits of `bytes` equal those of `prefix` (same family assumed). */
export function inPrefix(bytes: IpBytes, prefix: IpBytes, bits: number): boolean {
  for (let i = 0; i < bits; i += 8) {
    const take = Math.min(8, bits - i);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i >> 3] ?? 0) & mask) !== ((prefix[i >> 3] ?? 0) & mask)) return false;
  }
  return true;
}

/** How an IPv6 address carries an IPv4 one. */
export type Ipv4Embedding =
  /** ::ffff:a.b.c.d (RFC 4291): on a dual-stack socket this IS the IPv4 address */
  | 'mapped'
  /** ::a.b.c.d (RFC 4291, deprecated); kernels may still route it as IPv4 */
  | 'compatible'
  /** ::ffff:0:a.b.c.d (RFC 2765 SIIT) */
  | 'translated'
  /** 64:ff9b::/96 and 64:ff9b:1::/48 (RFC 6052, RFC 8215): a NAT64 gateway connects to it */
  | 'nat64'
  /** 2002:AABB:CCDD::/48 (RFC 3056) */
  | '6to4'
  /** 2001:0::/32 (RFC 4380): server at bits 32-63, client inverted in the last 32 bits */
  | 'teredo'
  /** ...:0:5efe:a.b.c.d or ...:200:5efe:a.b.c.d (RFC 5214) */
  | 'isatap';

export interface EmbeddedIPv4 {
  via: Ipv4Embedding;
  v4: IpBytes;
}

const NAT64_WELL_KNOWN = parseIPv6('64:ff9b::') as IpBytes;
const NAT64_LOCAL_USE = parseIPv6('64:ff9b:1::') as IpBytes;
const SIX_TO_FOUR = parseIPv6('2002::') as IpBytes;
const TEREDO = parseIPv6('2001::') as IpBytes;

/**
 * Where the IPv4 address sits for each RFC 6052 prefix length: bits 64-71 (byte 8, "u") are
 * reserved, so the 32 bits skip it, and the bytes after them (the suffix) are zero. The local-use
 * NAT64 prefix 64:ff9b:1::/48 may be subdivided by the operator into any of these lengths, so
 * every position whose u byte and suffix are zero is a candidate.
 */
const RFC6052_LAYOUTS: readonly { v4At: readonly number[]; suffixFrom: number }[] = [
  { v4At: [6, 7, 9, 10], suffixFrom: 11 },
  { v4At: [7, 9, 10, 11], suffixFrom: 12 },
  { v4At: [9, 10, 11, 12], suffixFrom: 13 },
];

/** Every IPv4 address this IPv6 address may stand for (often none). */
export function embeddedIPv4(bytes: IpBytes): EmbeddedIPv4[] {
  if (bytes.length !== 16) return [];
  const pick = (positions: readonly number[]): IpBytes => positions.map((p) => bytes[p] ?? 0);
  const last4 = bytes.slice(12, 16);
  const zeros = (from: number, to: number): boolean => bytes.slice(from, to).every((b) => b === 0);
  const found: EmbeddedIPv4[] = [];

  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) found.push({ via: 'mapped', v4: last4 });
  // ::/96 minus :: and ::1, which are IPv6's own unspecified and loopback addresses.
  if (zeros(0, 12) && !(zeros(12, 15) && (bytes[15] ?? 0) <= 1)) found.push({ via: 'compatible', v4: last4 });
  if (zeros(0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zeros(10, 12)) {
    found.push({ via: 'translated', v4: last4 });
  }
  if (inPrefix(bytes, NAT64_WELL_KNOWN, 96)) found.push({ via: 'nat64', v4: last4 });
  if (inPrefix(bytes, NAT64_LOCAL_USE, 48)) {
    const layouts = RFC6052_LAYOUTS.filter((l) => bytes[8] === 0 && zeros(l.suffixFrom, 16));
    const candidates = [last4, ...layouts.map((l) => pick(l.v4At))];
    // 0.0.0.0 here is the zero suffix (or padding) of another layout, not an address anyone
    // could reach through a gateway; judging it would refuse every short-prefix NAT64 address.
    for (const v4 of candidates) if (v4.some((b) => b !== 0)) found.push({ via: 'nat64', v4 });
  }
  if (inPrefix(bytes, SIX_TO_FOUR, 16)) found.push({ via: '6to4', v4: pick([2, 3, 4, 5]) });
  if (inPrefix(bytes, TEREDO, 32)) {
    found.push({ via: 'teredo', v4: pick([4, 5, 6, 7]) });
    found.push({ via: 'teredo', v4: last4.map((b) => b ^ 0xff) });
  }
  if ((bytes[8] === 0 || bytes[8] === 0x02) && bytes[9] === 0 && bytes[10] === 0x5e && bytes[11] === 0xfe) {
    found.push({ via: 'isatap', v4: last4 });
  }
  return found;
}
