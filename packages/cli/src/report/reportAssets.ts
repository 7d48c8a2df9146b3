import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from '../CliError.js';
import type { ReportAssets } from './renderReportHtml.js';

/** The directory of @ferret/cli's package.json, found upwards from this module (src/ or dist/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (name === '@ferret/cli') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new CliError('cannot find the report page assets of @ferret/cli');
    dir = parent;
  }
}

let cached: ReportAssets | undefined;

/** Reads `dist/report-client.js` and `.css`, built by `scripts/build-report-client.mjs`. */
export function loadReportAssets(): ReportAssets {
  if (cached !== undefined) return cached;
  const dist = join(packageRoot(), 'dist');
  try {
    cached = {
      script: readFileSync(join(dist, 'report-client.js'), 'utf8'),
      style: readFileSync(join(dist, 'report-client.css'), 'utf8'),
    };
  } catch {
    throw new CliError(
      `cannot read the report page assets in ${dist} (build @ferret/cli first: pnpm build)`,
    );
  }
  return cached;
}
