// Every package a documentation snippet imports is named on an install line (`pnpm add …` or
// `npm install …`) of the same page, so a reader who copies the install line and then the snippet
// gets a program that resolves. Ferret's own packages are installed as described in
// docs/getting-started.md; Node's built-ins need nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function markdownPages(): string[] {
  const pages = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.md'))
    .map((file) => join(root, 'docs', file));
  for (const parent of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, parent))) {
      const readme = join(root, parent, name, 'README.md');
      try {
        readFileSync(readme);
        pages.push(readme);
      } catch {
        // a folder without a README
      }
    }
  }
  return pages.sort();
}

/** The package name of a bare import specifier (`@scope/name/sub` → `@scope/name`). */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) {
    return undefined;
  }
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return builtinModules.includes(name) ? undefined : name;
}

function fences(page: string, languages: string[]): string[] {
  const blocks: string[] = [];
  for (const match of page.matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
    if (languages.includes(match[1]!)) blocks.push(match[2]!);
  }
  return blocks;
}

function importedPackages(page: string): Set<string> {
  const found = new Set<string>();
  for (const block of fences(page, ['js', 'mjs', 'cjs', 'ts'])) {
    for (const match of block.matchAll(
      /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)'([^']+)'/g,
    )) {
      const name = packageOf(match[1]!);
      if (name && !name.startsWith('@ferret/')) found.add(name);
    }
  }
  return found;
}

function installedPackages(page: string): Set<string> {
  const found = new Set<string>();
  for (const block of fences(page, ['sh', 'bash', 'shell', ''])) {
    // A line ending in a backslash continues on the next one.
    for (const line of block.replace(/\\\n/g, ' ').split('\n')) {
      const install = /(?:pnpm add|npm install|npm i)\s+(.*)$/.exec(line);
      if (!install) continue;
      for (const word of install[1]!.split(/\s+/)) {
        if (word.startsWith('-')) continue;
        const name = packageOf(word.replace(/(?<=.)@[^/]*$/, ''));
        if (name) found.add(name);
      }
    }
  }
  return found;
}

describe('install lines in the docs', () => {
  for (const file of markdownPages()) {
    const page = readFileSync(file, 'utf8');
    const imported = importedPackages(page);
    if (imported.size === 0) continue;
    it(`${relative(root, file)} names every package its snippets import`, () => {
      const installed = installedPackages(page);
      expect([...imported].filter((name) => !installed.has(name))).toEqual([]);
    });
  }
});
