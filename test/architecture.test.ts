import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** `@ferret/*` runtime dependencies and peers of every package, from its package.json. */
function arrowsFromManifests(): Map<string, string[]> {
  const arrows = new Map<string, string[]>();
  for (const dir of readdirSync(join(root, 'packages'))) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
    const imports = Object.keys({
      ...manifest.dependencies,
      ...manifest.peerDependencies,
      ...manifest.optionalDependencies,
    })
      .filter((name) => name.startsWith('@ferret/'))
      .sort();
    arrows.set(manifest.name, imports);
  }
  return arrows;
}

/** The arrows table between the `arrows:start` and `arrows:end` markers of docs/architecture.md. */
function arrowsFromDocs(): Map<string, string[]> {
  const text = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
  const table = text.slice(text.indexOf('<!-- arrows:start'), text.indexOf('<!-- arrows:end'));
  const arrows = new Map<string, string[]>();
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const name = /^`(@ferret\/[^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (name === undefined) continue;
    const imports = [...(cells[2] ?? '').matchAll(/`(@ferret\/[^`]+)`/g)].map((m) => m[1] ?? '');
    arrows.set(name, imports.sort());
  }
  return arrows;
}

describe('docs/architecture.md', () => {
  it('lists every package with exactly the @ferret/* packages its package.json imports', () => {
    expect(Object.fromEntries(arrowsFromDocs())).toEqual(Object.fromEntries(arrowsFromManifests()));
  });

  it('has no arrow that points upwards (the graph has no cycle)', () => {
    const arrows = arrowsFromManifests();
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string, path: string[]): void => {
      if (done.has(name)) return;
      if (visiting.has(name)) throw new Error(`cycle: ${[...path, name].join(' → ')}`);
      visiting.add(name);
      for (const next of arrows.get(name) ?? []) visit(next, [...path, name]);
      visiting.delete(name);
      done.add(name);
    };
    for (const name of arrows.keys()) expect(() => visit(name, [])).not.toThrow();
  });
});
