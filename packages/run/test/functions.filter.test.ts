import { describe, expect, it } from 'vitest';
import { FunctionFilter } from '../src/functions/FunctionFilter.js';

describe('FunctionFilter', () => {
  it('names matching files relative to the working directory', () => {
    const filter = new FunctionFilter('src/**', '/app');
    expect(filter.displayName('/app/src/routes/orders.js')).toBe('src/routes/orders.js');
    expect(filter.displayName('/app/lib/x.js')).toBeUndefined();
    expect(filter.displayName('/elsewhere/src/x.js')).toBeUndefined();
    expect(new FunctionFilter('{src,lib}/**/*.ts', '/app').displayName('/app/lib/a/b.ts')).toBe(
      'lib/a/b.ts',
    );
  });

  it('never matches a file inside node_modules, whatever the glob', () => {
    const everything = new FunctionFilter('**', '/app');
    expect(everything.displayName('/app/node_modules/dep/index.js')).toBeUndefined();
    expect(everything.displayName('/app/src/node_modules/local/index.js')).toBeUndefined();
    expect(
      new FunctionFilter('/node_modules/**', '/').displayName('/node_modules/a.js'),
    ).toBeUndefined();
    expect(everything.displayName('/app/src/node_modules_notes.js')).toBe(
      'src/node_modules_notes.js',
    );
    expect(everything.displayName('relative/path.js')).toBeUndefined();
  });

  it('refuses an empty glob', () => {
    expect(() => new FunctionFilter('  ', '/app')).toThrow(TypeError);
    expect(() => new FunctionFilter(undefined as unknown as string, '/app')).toThrow(/glob/);
  });
});
