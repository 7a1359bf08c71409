// The `custom` format: a JSONata expression (jsonata.org) over
// `{event_id, event, node_id, timestamp, data, text}` — `text` is the event's readable line. A
// string result is sent as text/plain, anything else as its JSON. Bounded: JSONata's own guards
// stop an evaluation after TEMPLATE_TIMEOUT_MS, past TEMPLATE_MAX_DEPTH nested calls or with a
// sequence longer than TEMPLATE_MAX_SEQUENCE; `$pad` (the one built-in that makes a long string
// from a short input in one call) is capped; the result is refused past TEMPLATE_MAX_OUTPUT_CHARS.
// Syntax errors are answered with their position (character offset, line and column). Pure.

import jsonata from 'jsonata';
import type { PilotEventBody } from '../events';
import { eventLine } from '../event-lines';
import { JSON_TYPE, type RenderedBody } from './rendered';

/** Longest template accepted (a template is a few lines of JSONata). */
export const TEMPLATE_MAX_CHARS = 10_000;
/** Evaluation time limit; a real template takes well under a millisecond. */
export const TEMPLATE_TIMEOUT_MS = 100;
/** Deepest evaluation stack (recursion) allowed. */
export const TEMPLATE_MAX_DEPTH = 200;
/** Longest sequence a template may build. */
export const TEMPLATE_MAX_SEQUENCE = 10_000;
/** Largest body a template may produce: a webhook body, not a file (the ingest takes 1 MiB). */
export const TEMPLATE_MAX_OUTPUT_CHARS = 256 * 1024;

export type TemplateProblem = { code: string; message: string; position?: number };

export class TemplateError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly position?: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

export interface CompiledTemplate {
  readonly source: string;
  render(ev: PilotEventBody): Promise<RenderedBody>;
}

/** "line 2, column 5" for a character offset of `source` (JSONata positions point just past the token). */
function lineColumn(source: string, position: number): string {
  const before = source.slice(0, Math.max(0, position - 1));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

interface JsonataFailure {
  code?: string;
  position?: number;
  token?: string;
  message?: string;
}

function asFailure(err: unknown): JsonataFailure {
  return typeof err === 'object' && err !== null ? (err as JsonataFailure) : { message: String(err) };
}

/** `$pad` with its width capped: one call could otherwise allocate gigabytes. */
function boundedPad(str: string, width: number, char?: string): string | undefined {
  if (str === undefined) return undefined;
  if (Math.abs(width) > TEMPLATE_MAX_OUTPUT_CHARS) throw new TemplateError('too_large', `$pad width ${width} is over the ${TEMPLATE_MAX_OUTPUT_CHARS}-character limit`);
  const fill = char === undefined || char === '' ? ' ' : char;
  const chars = [...str];
  const missing = Math.abs(width) - chars.length;
  if (missing <= 0) return str;
  const padding = fill.repeat(Math.ceil(missing / fill.length)).slice(0, missing);
  return width < 0 ? padding + str : str + padding;
}

/** Compiles a template, or throws TemplateError saying where the syntax is wrong. */
export function compileTemplate(source: string): CompiledTemplate {
  if (source.trim() === '') throw new TemplateError('template_empty', 'The template is empty: write a JSONata expression such as {"text": text}.');
  if (source.length > TEMPLATE_MAX_CHARS) throw new TemplateError('template_too_long', `The template is longer than ${TEMPLATE_MAX_CHARS} characters.`);
  let expr: jsonata.Expression;
  try {
    expr = jsonata(source, { timeout: TEMPLATE_TIMEOUT_MS, stack: TEMPLATE_MAX_DEPTH, sequence: TEMPLATE_MAX_SEQUENCE });
  } catch (err) {
    const f = asFailure(err);
    const where = typeof f.position === 'number' ? ` at position ${f.position} (${lineColumn(source, f.position)})` : '';
    throw new TemplateError('template_syntax', `Template syntax error${where}: ${f.message ?? 'unreadable expression'}`, f.position);
  }
  expr.registerFunction('pad', boundedPad, '<s-ns?:s>');
  return {
    source,
    async render(ev) {
      const input = { event_id: ev.event_id, event: ev.event, node_id: ev.node_id ?? null, timestamp: ev.timestamp ?? null, data: ev.data ?? null, text: eventLine(ev) };
      let result: unknown;
      try {
        result = await expr.evaluate(input);
      } catch (err) {
        if (err instanceof TemplateError) throw err;
        const f = asFailure(err);
        if (f.code === 'D1012') throw new TemplateError('template_timeout', `The template ran longer than ${TEMPLATE_TIMEOUT_MS} ms and was stopped.`);
        const where = typeof f.position === 'number' ? ` at position ${f.position} (${lineColumn(source, f.position)})` : '';
        throw new TemplateError('template_failed', `The template failed${where}: ${f.message ?? String(err)}`, f.position);
      }
      if (result === undefined) throw new TemplateError('template_empty_result', 'The template produced nothing for this event (check the field names: event, data.…).');
      const body = typeof result === 'string' ? result : JSON.stringify(result);
      if (body === undefined) throw new TemplateError('template_empty_result', 'The template produced a value that is not JSON (a function?).');
      if (body.length > TEMPLATE_MAX_OUTPUT_CHARS) throw new TemplateError('too_large', `The template produced ${body.length} characters, over the ${TEMPLATE_MAX_OUTPUT_CHARS}-character limit.`);
      return { contentType: typeof result === 'string' ? 'text/plain; charset=utf-8' : JSON_TYPE, body, headers: {} };
    },
  };
}
