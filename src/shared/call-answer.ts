// How a bridge call is answered, the same way over both transports. The main side checks the
// argument against the call's schema, runs the handler and turns every outcome — a value, a
// refusal, an invalid argument, a handler that threw — into one CallAnswer; it never throws. The
// headless API sends it as HTTP (a refusal with its code's status), the Electron IPC handlers send
// it as it is. The window side turns a CallAnswer back into what the Bridge promises: the Result
// itself for calls that answer one, else the value (a refusal then rejects). Pure.

import * as v from 'valibot';
import { isApiError, type ApiError } from './api-errors';
import type { BridgeHandlers } from './bridge';
import { definitionOf, type CallArg, type CallName } from './bridge-calls';
import { describeIssues } from './call-schemas';
import { errorText } from './error-text';

export type CallAnswer = { ok: true; value: unknown } | { ok: false; error: ApiError };

export type ArgCheck<K extends CallName> = { ok: true; value: CallArg<K> } | { ok: false; message: string };

/** Returns the argument typed for the call, or why it was refused (the message names the field). */
export function checkCallArg<K extends CallName>(name: K, arg: unknown): ArgCheck<K> {
  const parsed = v.safeParse(definitionOf(name).arg, arg);
  return parsed.success
    ? { ok: true, value: parsed.output as CallArg<K> }
    : { ok: false, message: describeIssues(parsed.issues) };
}

/**
 * A refusal thrown by a handler of a call that answers a plain value (no Result to carry it):
 * answered as that refusal, with its code's status, instead of an internal error.
 */
export class CallRefusal extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
    this.name = 'CallRefusal';
  }
}


/**
 * Checks `arg`, runs the handler, and answers. `onError` hears of handler failures (a throw, a
 * malformed Result): they are our bugs or our host's trouble, worth a line in the log.
 */
export async function answerCall(
  name: CallName,
  handlers: BridgeHandlers,
  arg: unknown,
  onError?: (err: unknown) => void,
): Promise<CallAnswer> {
  const checked = checkCallArg(name, arg);
  if (!checked.ok) return { ok: false, error: { code: 'invalid_argument', message: checked.message } };
  let result: unknown;
  try {
    const handler = handlers[name] as (this: BridgeHandlers, a: unknown) => Promise<unknown>;
    result = await handler.call(handlers, checked.value);
  } catch (err) {
    if (err instanceof CallRefusal) return { ok: false, error: { ...err.error } };
    onError?.(err);
    return { ok: false, error: { code: 'internal', message: errorText(err) } };
  }
  if (!definitionOf(name).answers.result) return { ok: true, value: result };
  const r = result as Partial<{ ok: unknown; value: unknown; error: unknown }> | null;
  if (r?.ok === true) return { ok: true, value: r.value };
  if (r?.ok === false && isApiError(r.error)) {
    const { code, message, field } = r.error;
    return { ok: false, error: field === undefined ? { code, message } : { code, message, field } };
  }
  const bug = new Error(`handler ${name} answered something that is not a Result`);
  onError?.(bug);
  return { ok: false, error: { code: 'internal', message: bug.message } };
}

/** A refusal of a call that answers a plain value, as the window's promise rejects with it. */
export class BridgeCallError extends Error {
  constructor(
    readonly call: CallName,
    readonly error: ApiError,
  ) {
    super(`${call}: ${error.message}`);
    this.name = 'BridgeCallError';
  }
}

/** What the window's bridge function resolves with (or rejects with) for this answer. */
export function settleAnswer(name: CallName, answer: CallAnswer): unknown {
  if (definitionOf(name).answers.result) return answer;
  if (answer.ok) return answer.value;
  throw new BridgeCallError(name, answer.error);
}

/** An answer that came over IPC, checked: a compromised main is not our threat, a stale one is. */
export function asCallAnswer(value: unknown): CallAnswer {
  const a = value as Partial<{ ok: unknown; value: unknown; error: unknown }> | null;
  if (a?.ok === true) return { ok: true, value: a.value };
  if (a?.ok === false && isApiError(a.error)) return { ok: false, error: a.error };
  return { ok: false, error: { code: 'bad_answer', message: 'the app answered something the window cannot read' } };
}

export type QueryRead<K extends CallName> = { ok: true; arg: CallArg<K> } | { ok: false; message: string };

/** The parameter names a GET call reads from its query string (none for other calls). */
function queryKeys(name: CallName): string[] {
  const query = definitionOf(name).query;
  return query === undefined ? [] : Object.keys(query.entries);
}

/**
 * A GET call's argument from its query string: each known parameter at most once, read by the
 * call's query schema, then checked as any argument. Unknown parameters are ignored.
 */
export function readQuery<K extends CallName>(name: K, pairs: Iterable<readonly [string, string]>): QueryRead<K> {
  const query = definitionOf(name).query;
  if (query === undefined) return { ok: true, arg: undefined as CallArg<K> };
  const keys = new Set(queryKeys(name));
  const raw: Record<string, string> = {};
  for (const [key, value] of pairs) {
    if (!keys.has(key)) continue;
    if (key in raw) return { ok: false, message: `query parameter "${key}" is given more than once` };
    raw[key] = value;
  }
  const parsed = v.safeParse(query, raw);
  if (!parsed.success) return { ok: false, message: describeIssues(parsed.issues) };
  const checked = checkCallArg(name, parsed.output);
  return checked.ok ? { ok: true, arg: checked.value } : { ok: false, message: checked.message };
}

/** The query string (with its `?`, or '') that carries a GET call's argument. */
export function queryStringOf(name: CallName, arg: unknown): string {
  const parts: string[] = [];
  const fields = (arg ?? {}) as Record<string, unknown>;
  for (const key of queryKeys(name)) {
    const value = fields[key];
    if (value !== undefined) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}
