import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ELLIPSIS, escapeControlCharacters, terminalText } from '../src/terminalText.js';

/** What a terminal may act on: C0, DEL, C1, line/paragraph separators, bidi controls. */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it matches.
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** UTF-16 units, weighted towards the controls and separators (lone surrogates included). */
const anyText = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0, max: 0x20a0 }), fc.integer({ min: 0, max: 0xffff }))
    .map((code) => String.fromCharCode(code)),
  maxLength: 200,
});

describe('escapeControlCharacters', () => {
  it('makes ESC sequences, OSC titles and links, CR, LF, C1 CSI and bidi overrides visible', () => {
    expect(escapeControlCharacters('a\u001b[2Jb')).toBe('a\\x1b[2Jb');
    expect(escapeControlCharacters('\u001b]0;pwned\u0007')).toBe('\\x1b]0;pwned\\x07');
    expect(escapeControlCharacters('\u001b]8;;https://evil\u001b\\x\u001b]8;;\u001b\\')).toBe(
      '\\x1b]8;;https://evil\\x1b\\x\\x1b]8;;\\x1b\\',
    );
    expect(escapeControlCharacters('a\rb\nc\td\u0000\u007f')).toBe('a\\rb\\nc\\td\\x00\\x7f');
    expect(escapeControlCharacters('\u009b2J')).toBe('\\x9b2J');
    expect(escapeControlCharacters('abc\u202edef\u2066\u2028')).toBe(
      'abc\\u{202e}def\\u{2066}\\u{2028}',
    );
  });

  it('leaves printable text alone, including non-ASCII, emoji and backslashes', () => {
    for (const text of ['GET /users/:id', 'Grüße ☃ 日本', '👩‍💻', 'C:\\dir', 'a b']) {
      expect(escapeControlCharacters(text)).toBe(text);
    }
  });

  it('never lets a control character through, whatever the input', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(escapeControlCharacters(text)).not.toMatch(UNSAFE);
      }),
    );
  });
});

describe('terminalText', () => {
  it('cuts long text to maxChars code points, ending with an ellipsis', () => {
    expect(terminalText('abcdef', 4)).toBe(`abc${ELLIPSIS}`);
    expect(terminalText('abcd', 4)).toBe('abcd');
    expect(terminalText('ab\u001b', 4)).toBe(`ab\\${ELLIPSIS}`);
    expect(terminalText('😀😀😀😀😀', 3)).toBe(`😀😀${ELLIPSIS}`);
  });

  it('cuts a 10 MB string, escaped', () => {
    const huge = `\u001b[2J${'x'.repeat(10_000_000)}`;
    const out = terminalText(huge, 60);
    expect(Array.from(out)).toHaveLength(60);
    expect(out.startsWith('\\x1b[2Jxxx')).toBe(true);
    expect(out.endsWith(ELLIPSIS)).toBe(true);
  });

  it('is never longer than maxChars and never holds a control character', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 2, max: 80 }), (text, max) => {
        const out = terminalText(text, max);
        expect(Array.from(out).length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(UNSAFE);
        if (Array.from(escapeControlCharacters(text)).length <= max) {
          expect(out).toBe(escapeControlCharacters(text));
        } else {
          expect(out.endsWith(ELLIPSIS)).toBe(true);
        }
      }),
    );
  });

  it('prints non-strings from a damaged file, and refuses a meaningless width', () => {
    expect(terminalText(42)).toBe('42');
    expect(terminalText(null)).toBe('null');
    expect(terminalText(Object.create(null))).toBe('[unprintable]');
    expect(() => terminalText('x', 1)).toThrow(RangeError);
    expect(() => terminalText('x', Number.NaN)).toThrow(RangeError);
  });
});
