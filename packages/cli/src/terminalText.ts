/**
 * Text from a database (span names, run ids, attribute keys and values, error messages) is data
 * written by the profiled program, which may echo user input. Before any of it reaches a
 * terminal, every character a terminal could act on is replaced by a visible escape:
 *
 * - C0 controls, DEL and C1 controls (U+0000–U+001F, U+007F–U+009F): `\n`, `\r`, `\t` as such,
 *   the others as `\xHH` (ESC is `\x1b`), so `ESC [2J`, OSC titles and OSC 8 links, carriage
 *   returns and line breaks print as inert text;
 * - Unicode line and paragraph separators and bidirectional controls (U+2028, U+2029, U+061C,
 *   U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) as `\u{HHHH}`, so no name can reorder or
 *   break the line it is printed on.
 *
 * Backslashes are left alone, so `C:\dir` stays readable; an escape is therefore not reversible
 * (`\x1b` in the output may have been those four characters), which is fine for display. JSON
 * output (`--json`) is never passed through here: it carries the exact strings.
 */

const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it matches.
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(char: string): string {
  const short = SHORT_ESCAPES[char];
  if (short !== undefined) return short;
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u{${code.toString(16).padStart(4, '0')}}`;
}

function stringOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '[unprintable]';
  }
}

/** Longest run id printed in human output (a UUID is 36 characters). */
export const RUN_ID_CHARS = 40;

/** The ellipsis that ends a cut string. */
export const ELLIPSIS = '…';

/**
 * Replaces every control character (see the module comment) with a visible escape. Whole
 * string, no length limit: use {@link terminalText} for anything that can be long.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/**
 * `text` made safe to print: control characters escaped, and cut to at most `maxChars` printed
 * characters (code points), the last one an ellipsis, when it is longer. Only a prefix of a long
 * input is examined, so a 10 MB name costs as much as a short one. Non-strings (a damaged file
 * can hold anything) are converted with `String()` first.
 *
 * @param maxChars - Longest result; `Infinity` (the default) only escapes. At least 2.
 */
export function terminalText(text: unknown, maxChars = Number.POSITIVE_INFINITY): string {
  const value = typeof text === 'string' ? text : stringOf(text);
  if (!(maxChars >= 2)) throw new RangeError(`Expected maxChars ≥ 2, got ${maxChars}`);
  if (maxChars === Number.POSITIVE_INFINITY) return escapeControlCharacters(value);
  // A code point takes one or two UTF-16 units and escapes to one or more characters, so a
  // prefix of 2 × (maxChars + 1) units holds every character that can show.
  const prefixUnits = 2 * (maxChars + 1);
  const prefix = value.length > prefixUnits ? value.slice(0, prefixUnits) : value;
  const escaped = escapeControlCharacters(prefix);
  const chars = Array.from(escaped);
  // A cut prefix holds at least maxChars + 1 code points, so it always takes the second branch
  // (which also drops a surrogate half the cut may have left at its end).
  if (chars.length <= maxChars) return escaped;
  return `${chars.slice(0, maxChars - 1).join('')}${ELLIPSIS}`;
}
