import { stripAnsi } from './Palette.js';
import { terminalText } from './terminalText.js';

/** One column of a {@link TextTable}. */
export interface TextColumn {
  header: string;
  align: 'left' | 'right';
  /**
   * Marks a column of data read from a database (names, run ids): its cells are printed through
   * {@link terminalText}, control characters escaped and cut to this many printed characters
   * with an ellipsis. Such cells must be unstyled. Other columns hold text the CLI formatted
   * itself (numbers, styled with the palette) and are printed as given.
   */
  maxWidth?: number;
}

function printedWidth(text: string): number {
  return Array.from(stripAnsi(text)).length;
}

/**
 * A plain-text table with aligned columns, two spaces between them. Cells may already carry ANSI
 * styling: widths are measured without the escape codes. Cells of `maxWidth` columns are data:
 * escaped and cut (see {@link TextColumn.maxWidth}), so they must be unstyled.
 */
export class TextTable {
  readonly #columns: readonly TextColumn[];
  readonly #rows: string[][] = [];

  constructor(columns: readonly TextColumn[]) {
    this.#columns = columns;
  }

  addRow(cells: readonly string[]): void {
    if (cells.length !== this.#columns.length) {
      throw new RangeError(
        `Expected ${this.#columns.length} cells in a table row, got ${cells.length}`,
      );
    }
    this.#rows.push(
      cells.map((cell, i) => {
        const maxWidth = this.#columns[i]?.maxWidth;
        return maxWidth === undefined ? cell : terminalText(cell, maxWidth);
      }),
    );
  }

  get rowCount(): number {
    return this.#rows.length;
  }

  /**
   * The table as lines (no trailing newline on each). `styleHeader` styles the header cells
   * after they are padded, so styling never disturbs alignment.
   */
  render(styleHeader: (text: string) => string = (text) => text): string[] {
    const widths = this.#columns.map((column, i) =>
      Math.max(printedWidth(column.header), ...this.#rows.map((row) => printedWidth(row[i] ?? ''))),
    );
    const line = (cells: readonly string[], style: (text: string) => string): string =>
      cells
        .map((cell, i) => {
          const width = widths[i] ?? 0;
          const padding = ' '.repeat(Math.max(0, width - printedWidth(cell)));
          const padded = this.#columns[i]?.align === 'right' ? padding + cell : cell + padding;
          return style(padded);
        })
        .join('  ')
        .trimEnd();
    return [
      line(
        this.#columns.map((column) => column.header),
        styleHeader,
      ),
      ...this.#rows.map((row) => line(row, (text) => text)),
    ];
  }

  toString(): string {
    return `TextTable(${this.#columns.length} columns, ${this.#rows.length} rows)`;
  }
}
