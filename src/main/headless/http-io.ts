// Small helpers to answer a request and to read its body, shared by the API and static parts.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpStatusOf, type ApiError } from '../../shared/api-errors';

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  // JSON.stringify(undefined) is undefined: answer `null` so the body is always valid JSON.
  const body = JSON.stringify(value) ?? 'null';
  res.writeHead(status, { ...headers, 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** `{error}` with the status of its code (shared/api-errors.ts). */
export function sendApiError(res: ServerResponse, error: ApiError, headers: Readonly<Record<string, string>> = {}): void {
  sendJson(res, httpStatusOf(error.code), { error }, headers);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, { ...headers, 'Content-Type': TEXT_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export type BodyRead = { ok: true; text: string } | { ok: false; reason: 'too_large' | 'aborted' };

/**
 * Reads the whole body as UTF-8, giving up as soon as it passes `limit` bytes: a declared
 * Content-Length over the limit is refused before reading anything, and a body that grows past it
 * is not read further.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ ok: false, reason: 'too_large' });

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyRead): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish({ ok: false, reason: 'too_large' });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
    const onAbort = (): void => finish({ ok: false, reason: 'aborted' });
    // 'close' before 'end' means the client went away mid-body.
    const onClose = (): void => {
      if (!req.complete) onAbort();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onClose);
  });
}
