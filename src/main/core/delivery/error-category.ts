// Turns what undici or Node threw into one of the log's error categories and a sentence a user
// can act on. undici wraps system errors, so the whole `cause` chain is searched.

import type { ErrorCategory } from '../../../shared/delivery';

/** Code the egress guard's connect throws for a refused address (see the guard's module). */
export const BLOCKED_CODE = 'EPILOT_BLOCKED';

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
// OpenSSL's certificate verdicts that Node passes through as codes.
const TLS_CODES = new Set([
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'HOSTNAME_MISMATCH',
]);

export interface Classified {
  category: ErrorCategory;
  message: string;
}

/** Codes along the cause chain (and inside AggregateErrors, as Happy Eyeballs throws). */
function codesOf(err: unknown, seen = new Set<unknown>()): { code: string; err: Error }[] {
  if (!(err instanceof Error) || seen.has(err)) return [];
  seen.add(err);
  const out: { code: string; err: Error }[] = [];
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') out.push({ code, err });
  if (err instanceof AggregateError) for (const e of err.errors) out.push(...codesOf(e, seen));
  out.push(...codesOf(err.cause, seen));
  return out;
}

function categoryOf(code: string, err: Error): ErrorCategory | null {
  // The guard fails closed on DNS trouble too; that is worth retrying, a refused address is not.
  if (code === BLOCKED_CODE) return (err as { retryable?: unknown }).retryable === true ? 'dns' : 'blocked';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (DNS_CODES.has(code)) return 'dns';
  if (RESET_CODES.has(code)) return 'reset';
  if (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) return 'tls';
  return null;
}

/** What went wrong, in a word and a sentence. */
export function classifyError(err: unknown): Classified {
  const codes = codesOf(err);
  // The most specific cause wins: walk from the innermost.
  for (const { code, err: e } of [...codes].reverse()) {
    const category = categoryOf(code, e);
    if (category) return { category, message: describe(category, e) };
  }
  const message = err instanceof Error ? err.message || err.name : String(err);
  return { category: 'network', message };
}

function describe(category: ErrorCategory, err: Error): string {
  const where = (err as { address?: string; port?: number; hostname?: string }) ?? {};
  switch (category) {
    case 'refused':
      return where.address
        ? `connection refused by ${where.address}${where.port ? `:${where.port}` : ''}`
        : 'connection refused';
    case 'dns':
      return where.hostname ? `host not found: ${where.hostname}` : `host not found (${err.message})`;
    case 'reset':
      return `connection reset (${err.message})`;
    case 'tls':
      return `TLS error: ${err.message}`;
    case 'timeout':
      return `timed out (${err.message})`;
    default:
      return err.message;
  }
}
