// The README's test command and CI run the same tests: `pnpm test` ends with `pnpm test:only`,
// and .ci/run runs the suite with `pnpm test:only`, on the machine's Node directly and on Node 24
// through scripts/test-on-node.sh (the developers' guide requires CI to run what the README's
// command runs). The demo's report is ignored, so `pnpm demo` leaves a clean tree.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe("the README's test command and CI", () => {
  it('run the same tests: both through `pnpm test:only`', () => {
    const scripts = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts.test).toMatch(/&& pnpm test:only$/);
    expect(scripts['test:only']).toBe('vitest run');
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^pnpm test:only --reporter/m);
    expect(ci).not.toMatch(/vitest run/);
    // The second Node runs the same command, with the same arguments passed on.
    expect(ci).toMatch(/^bash scripts\/test-on-node\.sh 24 --reporter/m);
    const onNode = readFileSync(join(root, 'scripts/test-on-node.sh'), 'utf8');
    expect(onNode).toMatch(/^exec bash scripts\/with-node\.sh "\$major" pnpm test:only "\$@"$/m);
    expect(onNode).not.toMatch(/vitest run|vitest\.mjs/);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toMatch(/^pnpm test\s+#/m);
    expect(readme).toContain('run as root it installs the missing ones with `apt-get`');
  });

  it("ignores the demo's report.html", () => {
    const ignored = execFileSync(
      'git',
      ['check-ignore', '--no-index', 'examples/http-service/report.html'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(ignored.trim()).toBe('examples/http-service/report.html');
  });
});
