// The names from the database the report page embeds, under a byte budget: a page of many
// distinct long names (or names full of characters its JSON escapes) stays small.
import { terminalText } from '../terminalText.js';
import { scriptSafeJson } from './renderReportHtml.js';

/** Longest string from the database the page shows (control characters escaped, then cut with `…`). */
export const MAX_DISPLAY_CHARS = 300;
/** Characters a name keeps once the full-length budget is spent. */
export const SHORT_NAME_CHARS = 40;
/** Shown for a name once both budgets are spent. */
export const NAME_PLACEHOLDER = '…';

/** Bytes of the page's JSON spent on names: at full length first, then shortened. */
export const NAME_BYTES = Object.freeze({ full: 600_000, short: 200_000 });

/**
 * Hands out the text of each name occurrence the page embeds, in the order the page values them
 * (summary rows, flame graph frames, histograms, waterfalls): at most {@link MAX_DISPLAY_CHARS}
 * characters while {@link NAME_BYTES}.full lasts (bytes as the page's JSON encodes the text), then
 * {@link SHORT_NAME_CHARS} while {@link NAME_BYTES}.short lasts, then {@link NAME_PLACEHOLDER}.
 * Every occurrence is counted, so names embed at most the two budgets plus a few bytes each.
 */
export class PageNames {
  #fullLeft: number = NAME_BYTES.full;
  #shortLeft: number = NAME_BYTES.short;
  readonly #shortened = new Set<string>();
  readonly #hidden = new Set<string>();

  /** Names shown shortened somewhere on the page. */
  get shortened(): number {
    return this.#shortened.size;
  }

  /** Names shown as {@link NAME_PLACEHOLDER} somewhere on the page. */
  get hidden(): number {
    return this.#hidden.size;
  }

  text(name: string): string {
    const full = terminalText(name, MAX_DISPLAY_CHARS);
    const fullBytes = jsonBytes(full);
    if (fullBytes <= this.#fullLeft) {
      this.#fullLeft -= fullBytes;
      return full;
    }
    this.#fullLeft = 0;
    const short = terminalText(name, SHORT_NAME_CHARS);
    const shortBytes = jsonBytes(short);
    if (shortBytes <= this.#shortLeft) {
      this.#shortLeft -= shortBytes;
      if (short !== full) this.#shortened.add(name);
      return short;
    }
    this.#shortLeft = 0;
    this.#hidden.add(name);
    return NAME_PLACEHOLDER;
  }
}

/** Bytes a string takes in the page's JSON (escaped as the page escapes it, UTF-8). */
function jsonBytes(text: string): number {
  return Buffer.byteLength(scriptSafeJson(text));
}
