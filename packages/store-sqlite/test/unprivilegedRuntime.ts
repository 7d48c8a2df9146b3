// What a child process running as another user (`nobody`) loads: fixture scripts and the built
// @ferret/store-sqlite with every runtime dependency, copied to a fresh directory under
// os.tmpdir() that every user may read. The child then never reads the checkout, so it runs
// wherever the clone sits (a clone in a 0700 directory is out of nobody's reach).
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** The directory of package `name` as Node would resolve it from `from` (symlinks followed). */
function findPackage(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) throw new Error(`cannot find ${name} from ${from}`);
  }
}

/** Opens `path` (recursively) to every user: directories 0755, files 0644 (0755 if executable). */
function openToAll(path: string): void {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) openToAll(join(path, entry));
  } else {
    chmodSync(path, stat.mode & 0o111 ? 0o755 : 0o644);
  }
}

/**
 * Copies `fixtures` (names in test/fixtures) and the built package with its dependencies (flat,
 * under `node_modules`) into a new world-readable directory. Workspace packages contribute their
 * `package.json` and `dist/`; others are copied whole, without nested `node_modules`.
 */
export function unprivilegedRuntime(fixtures: readonly string[]): {
  dir: string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'ferret-unprivileged-'));
  const copied = new Set<string>();
  const copy = (name: string, source: string): void => {
    if (copied.has(name)) return;
    copied.add(name);
    const target = join(dir, 'node_modules', name);
    mkdirSync(target, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    if (!source.includes(`${sep}node_modules${sep}`)) {
      copyFileSync(join(source, 'package.json'), join(target, 'package.json'));
      cpSync(join(source, 'dist'), join(target, 'dist'), { recursive: true });
    } else {
      cpSync(source, target, {
        recursive: true,
        dereference: true,
        filter: (path) => !path.slice(source.length).includes(`${sep}node_modules`),
      });
    }
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      copy(dependency, findPackage(dependency, source));
    }
  };
  copy('@ferret/store-sqlite', realpathSync(packageDir));
  for (const name of fixtures) copyFileSync(join(fixturesDir, name), join(dir, name));
  openToAll(dir);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
