// The libraries `ferret run` instruments, by the names `--libs` (cli) and `FERRET_LIBS` (the
// @ferret/run preload) take. One list and one parser, so a value one accepts the other accepts too;
// the cli never loads @ferret/run (and its OpenTelemetry packages) to check a flag.

/** The library instrumentations `@ferret/run` knows, by the name `--libs` uses. */
export const KNOWN_LIBRARIES = [
  'http',
  'undici',
  'express',
  'fastify',
  'ioredis',
  'pg',
  'mysql2',
  'mongodb',
] as const;

/** One of {@link KNOWN_LIBRARIES}. */
export type LibraryName = (typeof KNOWN_LIBRARIES)[number];

/** Other names a list may use for a library: `fetch` is undici. */
const ALIASES: Readonly<Record<string, LibraryName>> = { fetch: 'undici' };

/** Every name a list may hold, each library followed by its other names (`http, undici, fetch, …`). */
export const LIBRARY_WORDS: readonly string[] = KNOWN_LIBRARIES.flatMap((name) => [
  name,
  ...Object.keys(ALIASES).filter((alias) => ALIASES[alias] === name),
]);

/**
 * Parses `FERRET_LIBS`/`--libs`: `none` (or empty) for none, `all` for every known library, or a
 * comma-separated list of {@link LIBRARY_WORDS} (any case, spaces around names ignored). `none`
 * and `all` stand alone: inside a list they are unknown names. Returns the names it does not know
 * separately, and each library once.
 */
export function parseLibraries(text: string): { libs: LibraryName[]; unknown: string[] } {
  const words = text
    .split(',')
    .map((word) => word.trim().toLowerCase())
    .filter((word) => word !== '');
  if (words.length === 0 || (words.length === 1 && words[0] === 'none')) {
    return { libs: [], unknown: [] };
  }
  if (words.length === 1 && words[0] === 'all') return { libs: [...KNOWN_LIBRARIES], unknown: [] };
  const libs: LibraryName[] = [];
  const unknown: string[] = [];
  for (const word of words) {
    const name = Object.hasOwn(ALIASES, word) ? ALIASES[word] : word;
    if ((KNOWN_LIBRARIES as readonly string[]).includes(name as string)) {
      if (!libs.includes(name as LibraryName)) libs.push(name as LibraryName);
    } else unknown.push(word);
  }
  return { libs, unknown };
}
