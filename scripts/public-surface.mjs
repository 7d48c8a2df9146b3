#!/usr/bin/env node
// Lists the public surface of every published Ferret package, from its built dist: for each
// entry of its package.json `exports` map (JSON files and ./package.json aside), the names the
// ESM module exports at run time and the names its declaration file exports (types included).
//
//   node scripts/public-surface.mjs            # markdown, one section per package entry
//   node scripts/public-surface.mjs --json     # { "<package>/<entry>": { runtime, types } }
//   node scripts/public-surface.mjs --check-docs
//       exits 1 listing every export (runtime or type-only) that docs/api/<package>.md does not name
//
// Packages must be built first (`pnpm build`).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(root, 'packages');

function typeExports(dtsFile) {
  const program = ts.createProgram([dtsFile], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(dtsFile);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) return [];
  return checker
    .getExportsOfModule(moduleSymbol)
    .map((symbol) => symbol.getName())
    .sort();
}

const surface = {};
for (const name of readdirSync(packagesDir).sort()) {
  const manifestFile = join(packagesDir, name, 'package.json');
  if (!existsSync(manifestFile)) continue;
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  if (manifest.private) continue;
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target !== 'object' || target === null || !target.import) continue;
    const esmFile = join(packagesDir, name, target.import.default);
    const dtsFile = join(packagesDir, name, target.import.types);
    if (!existsSync(esmFile) || !existsSync(dtsFile)) {
      console.error(`${manifest.name}${subpath.slice(1)}: not built (run pnpm build)`);
      process.exit(1);
    }
    // An entry with side effects (such as @ferret/run/register, which starts a run) is not
    // imported: its runtime names are read from its declarations' value exports instead.
    const sideEffects = Array.isArray(manifest.sideEffects) ? manifest.sideEffects : [];
    const runtime = sideEffects.includes(target.import.default)
      ? null
      : Object.keys(await import(pathToFileURL(esmFile).href)).sort();
    surface[`${manifest.name}${subpath.slice(1)}`] = {
      runtime: runtime ?? ['(side-effect entry: not imported)'],
      types: typeExports(dtsFile),
    };
  }
}

if (process.argv.includes('--check-docs')) {
  let missing = 0;
  for (const [entry, { runtime, types }] of Object.entries(surface)) {
    const page = `docs/api/${entry.split('/')[1]}.md`;
    const text = existsSync(join(root, page)) ? readFileSync(join(root, page), 'utf8') : '';
    const named = (name) =>
      new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(text);
    const undocumented = [...new Set([...runtime, ...types])].filter(
      (name) => !name.startsWith('(') && !named(name),
    );
    if (undocumented.length > 0) {
      missing += undocumented.length;
      console.log(`${entry}: not named in ${page}: ${undocumented.sort().join(', ')}`);
    }
  }
  process.exit(missing > 0 ? 1 : 0);
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(surface, null, 2));
} else {
  for (const [entry, { runtime, types }] of Object.entries(surface)) {
    const typeOnly = types.filter((t) => !runtime.includes(t));
    console.log(`### ${entry}: ${runtime.length} runtime, ${typeOnly.length} type-only`);
    console.log(`- runtime: ${runtime.join(', ') || '(none)'}`);
    console.log(`- type-only: ${typeOnly.join(', ') || '(none)'}`);
    console.log('');
  }
}
process.exit(0);
