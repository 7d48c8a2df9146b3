import { describe, expect, it } from 'vitest';
import { KNOWN_LIBRARIES, LIBRARY_WORDS, parseLibraries } from '../src/libraries.js';

describe('parseLibraries', () => {
  it('reads none, all, and lists in any case with spaces, each library once', () => {
    expect(parseLibraries('')).toEqual({ libs: [], unknown: [] });
    expect(parseLibraries(' none ')).toEqual({ libs: [], unknown: [] });
    expect(parseLibraries('ALL')).toEqual({ libs: [...KNOWN_LIBRARIES], unknown: [] });
    expect(parseLibraries(' PG , http,pg,,')).toEqual({ libs: ['pg', 'http'], unknown: [] });
  });

  it('reads fetch as undici, once', () => {
    expect(parseLibraries('fetch,undici')).toEqual({ libs: ['undici'], unknown: [] });
  });

  it('returns the names it does not know, and none/all inside a list are not known', () => {
    expect(parseLibraries('http,pg,redis')).toEqual({ libs: ['http', 'pg'], unknown: ['redis'] });
    expect(parseLibraries('http,none')).toEqual({ libs: ['http'], unknown: ['none'] });
    expect(parseLibraries('all,pg')).toEqual({ libs: ['pg'], unknown: ['all'] });
    // Names of Object.prototype are not aliases.
    expect(parseLibraries('constructor,toString')).toEqual({
      libs: [],
      unknown: ['constructor', 'tostring'],
    });
  });

  it('LIBRARY_WORDS is every library followed by its other names, and each is accepted', () => {
    expect(LIBRARY_WORDS.join(',')).toBe(
      'http,undici,fetch,express,fastify,ioredis,pg,mysql2,mongodb',
    );
    expect(parseLibraries(LIBRARY_WORDS.join(',')).unknown).toEqual([]);
  });
});
