// Bundles the `ferret report` page script and styles (report-client/) with their libraries
// (d3-flame-graph, uPlot) into dist/report-client.js and dist/report-client.css, which the CLI
// inlines into every report: the page needs no network.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  absWorkingDir: root,
  entryPoints: { 'report-client': 'report-client/main.ts' },
  outdir: 'dist',
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  legalComments: 'eof',
  logLevel: 'warning',
});
const script = readFileSync(new URL('../dist/report-client.js', import.meta.url), 'utf8');
if (/<\/script|<!--/i.test(script)) {
  throw new Error('dist/report-client.js contains "</script" or "<!--": it cannot be inlined');
}

// The libraries' stylesheets are not in their export maps: found next to their resolved entry.
const require = createRequire(import.meta.url);
const styles = [
  join(dirname(require.resolve('d3-flame-graph')), 'd3-flamegraph.css'),
  join(dirname(require.resolve('uplot')), 'uPlot.min.css'),
  join(root, 'report-client', 'report.css'),
].map((file) => readFileSync(file, 'utf8'));
const css = styles.join('\n');
if (/<\/style/i.test(css))
  throw new Error('the report styles contain "</style": they cannot be inlined');
writeFileSync(join(root, 'dist', 'report-client.css'), css);
