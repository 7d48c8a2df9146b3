import { isAbsolute, relative, sep } from 'node:path';
import picomatch from 'picomatch';

/**
 * Which files `--functions` instruments: those whose path relative to the working directory
 * matches the glob (picomatch syntax: `src/**`, `{src,lib}/**\/*.js`, `!(test)/**`), and never
 * one inside a `node_modules` folder, whatever the glob says.
 */
export class FunctionFilter {
  readonly glob: string;
  readonly #cwd: string;
  readonly #matches: (path: string) => boolean;

  /** @throws TypeError when `glob` is not a non-empty string. */
  constructor(glob: string, cwd: string) {
    if (typeof glob !== 'string' || glob.trim() === '') {
      throw new TypeError(
        `Expected \`glob\` to be a non-empty string, got ${JSON.stringify(glob)}`,
      );
    }
    this.glob = glob.trim();
    this.#cwd = cwd;
    this.#matches = picomatch(this.glob, { dot: true });
  }

  /**
   * The file as span names show it (its path relative to the working directory, with `/`) when
   * it is to be instrumented, else undefined.
   */
  displayName(path: string): string | undefined {
    if (!isAbsolute(path) || path.split(sep).includes('node_modules')) return undefined;
    const shown = relative(this.#cwd, path).split(sep).join('/');
    return this.#matches(shown) ? shown : undefined;
  }

  toString(): string {
    return `FunctionFilter(${this.glob})`;
  }
}
