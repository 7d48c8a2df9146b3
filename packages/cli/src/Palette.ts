type Style = 'bold' | 'dim' | 'red' | 'yellow' | 'green' | 'cyan';

const CODES: Record<Style, readonly [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  yellow: [33, 39],
  green: [32, 39],
  cyan: [36, 39],
};

/**
 * ANSI styling that can be switched off as a whole. Decided once per invocation: colour only when
 * stdout is a terminal and `NO_COLOR` is not set (https://no-color.org: any non-empty value).
 */
export class Palette {
  readonly enabled: boolean;

  constructor(enabled: boolean) {
    this.enabled = enabled;
  }

  /** The palette for an output stream: enabled only on a TTY without a non-empty `NO_COLOR`. */
  static forOutput(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): Palette {
    const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
    return new Palette(isTTY && !noColor);
  }

  style(style: Style, text: string): string {
    if (!this.enabled || text === '') return text;
    const [open, close] = CODES[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  toString(): string {
    return `Palette(${this.enabled ? 'ansi' : 'plain'})`;
  }
}

/** Removes ANSI escape sequences, to measure the printed width of a styled string. */
export function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the ESC byte is the point.
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
