// Every figure a page marks (`<!-- bench:key -->…<!-- /bench -->`) is the one in
// docs/benchmarks.json, which `pnpm bench --write` writes from its run and rewrites the marks
// from; and that JSON's figures are the ones its own results give (bench/figures.ts).
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type BenchmarkFile, FIGURES, figuresFrom, MARKER, markedPages } from '../bench/figures.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bench = JSON.parse(
  readFileSync(join(root, 'docs', 'benchmarks.json'), 'utf8'),
) as BenchmarkFile;

function marks(page: string): Array<{ key: string; text: string }> {
  const text = readFileSync(page, 'utf8');
  return [...text.matchAll(MARKER)].map((m) => ({ key: m[1]!, text: m[2]! }));
}

describe('benchmark figures in the docs', () => {
  it('docs/benchmarks.json holds every figure, as its results give it', () => {
    expect(Object.keys(bench.figures).sort()).toEqual(Object.keys(FIGURES).sort());
    expect(figuresFrom(bench.scenarios)).toEqual(bench.figures);
  });

  for (const page of markedPages(root)) {
    const found = marks(page);
    if (found.length === 0) continue;
    it(`${relative(root, page)}: every marked figure is the benchmark's`, () => {
      const wrong = found
        .filter(({ key, text }) => bench.figures[key] !== text)
        .map(({ key, text }) => `${key}: page says ${text}, benchmarks.json ${bench.figures[key]}`);
      expect(wrong).toEqual([]);
    });
  }

  it('the pages that quote the profiler and sampler costs mark them', () => {
    const keys = (page: string) => marks(join(root, page)).map((m) => m.key);
    expect(keys('docs/api/profiler.md')).toEqual(
      expect.arrayContaining([
        'profiler.dropped-ns',
        'profiler.dropped-vs-floor',
        'profiler.dropped-vs-otel-off',
        'profiler.recorded-vs-otel-on',
      ]),
    );
    expect(keys('docs/api/sampler-otel.md')).toEqual(
      expect.arrayContaining(['sampler.sampled-vs-anchor', 'sampler.sampled-vs-anchor.result']),
    );
  });
});
