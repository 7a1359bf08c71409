// Text that came from outside the app (topics, event data, receiver answers, URLs typed by
// someone else) is shown and copied with its bidi and control characters neutralised: a topic
// "\u202Efdp.exe" must not read as "exe.pdf", a receiver's answer must not move the caret, a
// copied curl command must not carry characters a terminal acts on (U+009B is CSI on some).
// One function, used by the window, the notifications and "Copy as curl"; each says only how a
// neutralised character is written.

/**
 * What is neutralised:
 * - C0 controls and DEL (U+0000-U+001F, U+007F): newline and tab only where multi-line text is
 *   allowed;
 * - C1 controls (U+0080-U+009F), e.g. U+009B (CSI);
 * - bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the invisible
 *   direction marks (U+200E, U+200F, U+061C);
 * - line and paragraph separators (U+2028, U+2029), which end a line where nobody sees a newline;
 * - zero-width characters that hide text inside a word (U+200B-U+200D, U+2060, U+FEFF).
 * Ordinary right-to-left text (Arabic, Hebrew) is left as it is: the window isolates each field
 * (CSS `unicode-bidi: isolate`), so it cannot reorder its neighbours.
 */
// Matching control characters is the point of this pattern.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060\u2066-\u2069\ufeff]/gu;
const UNSAFE_TEST = new RegExp(UNSAFE.source, 'u');

/** Characters kept in multi-line text (a body, a response): newline, tab, carriage return. */
const MULTILINE_KEPT = new Set(['\n', '\t', '\r']);

export interface SafeTextOptions {
  /** keep newlines and tabs (bodies, responses); default false: one line (topics, cells) */
  multiline?: boolean;
  /** how a neutralised character is written; default a visible `[U+202E]` */
  escape?: (char: string) => string;
}

/** `[U+202E]`: visible, searchable, and plainly not part of the text. */
export function visibleCodePoint(char: string): string {
  return `[U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`;
}

/** True when `text` holds a character safeText would neutralise (newlines and tabs included). */
export function hasUnsafeChars(text: string): boolean {
  return UNSAFE_TEST.test(text);
}

/** `text` with every bidi and control character neutralised (see UNSAFE). */
export function safeText(text: string, opts: SafeTextOptions = {}): string {
  const escape = opts.escape ?? visibleCodePoint;
  const multiline = opts.multiline ?? false;
  return text.replace(UNSAFE, (ch) => (multiline && MULTILINE_KEPT.has(ch) ? ch : escape(ch)));
}
