// Building blocks for the bridge contract's argument schemas (valibot), and the one way their
// issues become a message that names the field. A schema here is at once the argument's TypeScript
// type and its run-time check: whatever crosses a process boundary (Electron IPC from the window, an
// HTTP body or query) is untrusted, and a compromised or buggy window must not be able to hand the
// controller a value of the wrong shape. Pure.

import * as v from 'valibot';

/** How a strict object's message for extra keys starts (describeIssues shows it as it is). */
const UNKNOWN_FIELD = 'unknown field';

/** A plain object (what structured clone and JSON.parse produce), not an array or a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The argument of a call that takes none. */
export const noArgument = v.undefined('this call takes no argument');
export type NoArgument = typeof noArgument;

/**
 * An object argument with exactly these fields (each optional or required as its schema says);
 * any other key is refused, so a typo is an error rather than silently ignored.
 */
export function fields<const E extends v.ObjectEntries>(entries: E) {
  type Shape = v.InferInput<v.StrictObjectSchema<E, undefined>>;
  // valibot reports the first extra key only; the message lists them all, so one answer says
  // everything that is wrong with the keys.
  const unknownFields = (input: unknown): string => {
    const extra = Object.keys(input as object).filter((k) => !Object.prototype.hasOwnProperty.call(entries, k));
    return `${UNKNOWN_FIELD}${extra.length > 1 ? 's' : ''}: ${extra.join(', ')}`;
  };
  return v.pipe(
    v.custom<Shape>(isPlainObject, 'the argument must be an object'),
    v.strictObject(entries, (issue) =>
      issue.expected === 'never' ? unknownFields(issue.path?.[0]?.input) : 'is required',
    ),
  );
}

/** A string of at most `max` characters (and at least `min`). */
export function text(max: number, min = 0) {
  return v.pipe(
    v.string('must be a string'),
    v.minLength(min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`),
    v.maxLength(max, `is longer than ${max} characters`),
  );
}

/** A whole number from `min` to `max` (a JSON number: no strings, no fractions, no NaN). */
export function wholeNumber(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  const message = `must be a whole number from ${min} to ${max}`;
  return v.pipe(v.number(message), v.safeInteger(message), v.minValue(min, message), v.maxValue(max, message));
}

/** One of a fixed list of strings. */
export function oneOf<const T extends readonly string[]>(options: T) {
  return v.picklist(options, `must be one of ${options.join(', ')}`);
}

const DIGITS = /^\d+$/;

/**
 * A query parameter holding a whole number from `min` to `max`, read as that number. Query strings
 * are text, so GET calls name how each parameter becomes the argument's typed field.
 */
export function wholeNumberParam(min: number, max: number, message: string) {
  return v.pipe(
    v.string(message),
    v.check((raw) => DIGITS.test(raw) && Number(raw) >= min && Number(raw) <= max, message),
    v.transform(Number),
  );
}

/** A query parameter read by `read` (null = refused with `message`). */
export function readParam<T>(read: (raw: string) => T | null, message: string) {
  return v.pipe(
    v.string(message),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const value = read(dataset.value);
      if (value === null) {
        addIssue({ message: `${message}, got "${dataset.value}"` });
        return NEVER;
      }
      return value;
    }),
  );
}

/** Where the issue is: `url`, `ids[2]`, or '' for the argument itself. */
function pathOf(issue: v.BaseIssue<unknown>): string {
  let out = '';
  for (const item of issue.path ?? []) {
    const key: unknown = item.key;
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * One sentence for the caller: the field and what is wrong with it (`"url" must be a string`), or
 * every unknown field at once (`unknown fields: a, b`).
 */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues.find((i) => i.message.startsWith(UNKNOWN_FIELD)) ?? issues[0];
  if (first === undefined) return 'the argument is not valid';
  const where = pathOf(first);
  if (where === '' || first.message.startsWith(UNKNOWN_FIELD)) return first.message;
  // Our own messages read on from the field's name ("must be …", "is required"); a message from
  // a shared rule (topic patterns) is a sentence of its own and follows a colon.
  return /^(must|is)\b/.test(first.message) ? `"${where}" ${first.message}` : `"${where}": ${first.message}`;
}
