// Who may talk to the headless host. The UI listens on loopback, but loopback is not a wall: any web
// page the user opens can make their browser send requests to 127.0.0.1, and a hostile DNS name can
// be re-pointed at 127.0.0.1 (DNS rebinding). So every request must name this exact loopback origin
// in Host (and Origin, when the browser sends one), and every API call must carry the token.

import { createHash, timingSafeEqual } from 'node:crypto';
import { CSP_HEADER_VALUE } from '../../shared/csp';

/**
 * Sent with every response. The page loads only its own script and stylesheet and talks only to its
 * own origin; it may not be framed (clickjacking) and leaks no URL (which may hold the token) in
 * the Referer header.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // The window's one policy (shared/csp.ts), as the Electron shell sends it too.
  'Content-Security-Policy': CSP_HEADER_VALUE,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** API answers hold live state and must never be served from a cache. */
export const API_CACHE_CONTROL = 'no-store';

/** The host names a browser on this machine may use for the loopback listener. */
const LOOPBACK_HOSTNAMES = ['127.0.0.1', 'localhost'] as const;

/** True when the Host header is exactly this listener (`127.0.0.1:<port>` or `localhost:<port>`). */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const lower = host.toLowerCase();
  return LOOPBACK_HOSTNAMES.some((name) => lower === `${name}:${port}`);
}

/** True when the Origin header names this listener's own origin (plain http, same port). */
export function isOwnOrigin(origin: string, port: number): boolean {
  const lower = origin.toLowerCase();
  return LOOPBACK_HOSTNAMES.some((name) => lower === `http://${name}:${port}`);
}

/** The token of an `Authorization: Bearer <token>` header, or null when there is none. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * Compares in constant time. Both sides are hashed first so their lengths match (timingSafeEqual
 * needs equal lengths) and the comparison reveals nothing about the token's length either.
 */
export function tokenMatches(candidate: string | null, token: string): boolean {
  if (candidate === null) return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(candidate), digest(token));
}
