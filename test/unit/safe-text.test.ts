// The one neutraliser of outside text: every bidi and control character it promises, none of
// the ordinary text (right-to-left scripts included), and the multi-line mode.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasUnsafeChars, safeText, visibleCodePoint } from '../../src/shared/safe-text';

const UNSAFE = [
  '\u0000', '\u0007', '\u001b', '\u007f', '\u0080', '\u009b', '\u009f', // C0, DEL, C1 (CSI)
  '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', // bidi
  '\u200e', '\u200f', '\u061c', // direction marks
  '\u2028', '\u2029', // separators
  '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', // zero-width
];

describe('safeText', () => {
  it('shows the RLO trick as it is: "\\u202Efdp.exe" does not read as exe.pdf', () => {
    expect(safeText('\u202Efdp.exe')).toBe('[U+202E]fdp.exe');
  });

  it.each(UNSAFE.map((c) => [c]))('neutralises %j', (c) => {
    const out = safeText(`a${c}b`);
    expect(out).toBe(`a${visibleCodePoint(c)}b`);
    expect(hasUnsafeChars(out)).toBe(false);
  });

  it('one line by default (newline, tab, CR escaped); multiline keeps them and nothing else', () => {
    expect(safeText('a\nb\tc\rd')).toBe('a[U+000A]b[U+0009]c[U+000D]d');
    expect(safeText('a\nb\tc\u2028d\u009be', { multiline: true })).toBe('a\nb\tc[U+2028]d[U+009B]e');
  });

  it('leaves ordinary text alone: accents, emoji, Arabic and Hebrew', () => {
    for (const t of ['tunnel.established', 'héllo wörld', '🚀 peer', 'مرحبا', 'שלום', 'a\u00a0b']) expect(safeText(t)).toBe(t);
  });

  it('the result never holds an unsafe character, for any text; a custom escape is used for each', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (t) => {
        expect(hasUnsafeChars(safeText(t))).toBe(false);
        const n = [...t].filter((c) => hasUnsafeChars(c)).length;
        expect(safeText(t, { escape: () => '\u0001' }).split('\u0001').length - 1).toBe(n);
      }),
    );
  });
});
