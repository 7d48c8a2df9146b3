import { describe, expect, it } from 'vitest';
import { MAX_REDIS_KEY_LENGTH, redisQueryText } from '../src/redisQueryText.js';

const SECRET = 'hunter2';

describe('redisQueryText: the command, its key, and ? for every value', () => {
  it.each([
    ['get', ['item:1'], 'get item:1'],
    ['set', ['session:1', SECRET, 'EX', 60], 'set session:1 ? ? ?'],
    ['hset', ['user:1', 'token', SECRET], 'hset user:1 ? ?'],
    ['sismember', ['tokens', SECRET], 'sismember tokens ?'],
    ['zscore', ['scores', SECRET], 'zscore scores ?'],
    ['lrem', ['queue', 0, SECRET], 'lrem queue ? ?'],
    ['geoadd', ['places', 13.36, 38.11, SECRET], 'geoadd places ? ? ?'],
    ['SET', ['k', SECRET], 'SET k ?'],
    ['incr', [42], 'incr 42'],
    ['ping', [], 'ping'],
    ['multi', [], 'multi'],
  ] as const)('%s %j → %j', (name, args, text) => {
    expect(redisQueryText(name, args)).toBe(text);
  });

  it.each([
    ['auth', [SECRET]],
    ['auth', ['admin', SECRET]],
    ['hello', ['3', 'AUTH', 'admin', SECRET]],
    ['echo', [SECRET]],
    ['eval', [`return '${SECRET}'`, 0]],
    ['publish', ['news', SECRET]],
    ['migrate', ['10.0.0.2', 6379, 'k', 0, 5000, 'AUTH', SECRET]],
    ['config', ['SET', 'requirepass', SECRET]],
    ['acl', ['SETUSER', 'bob', `>${SECRET}`]],
    ['client', [`SETNAME ${SECRET}`]],
    ['some.module.command', [SECRET]],
  ] as const)('%s %j keeps no value', (name, args) => {
    const text = redisQueryText(name, args);
    expect(text).not.toContain(SECRET);
    expect(text.startsWith(name)).toBe(true);
    expect(text.split(' ').filter((part) => part === '?').length).toBeGreaterThan(0);
  });

  it('keeps a container command subcommand only when it is a plain word', () => {
    expect(redisQueryText('config', ['SET', 'requirepass', SECRET])).toBe('config SET ? ?');
    expect(redisQueryText('client', ['SETNAME', SECRET])).toBe('client SETNAME ?');
    expect(redisQueryText('client', [`SETNAME ${SECRET}`])).toBe('client ?');
  });

  it('keeps no key that is not text or a number (a Buffer key is a ?)', () => {
    expect(redisQueryText('get', [Buffer.from(SECRET)])).toBe('get ?');
  });

  it('cuts a long key and counts arguments past 16 placeholders', () => {
    const key = 'k'.repeat(MAX_REDIS_KEY_LENGTH + 10);
    expect(redisQueryText('get', [key])).toBe(`get ${'k'.repeat(MAX_REDIS_KEY_LENGTH)}…`);
    const args = ['hash', ...Array.from({ length: 1000 }, (_, i) => `${SECRET}${i}`)];
    const text = redisQueryText('hset', args);
    expect(text).toBe(`hset hash ${Array(16).fill('?').join(' ')} [984 other arguments]`);
  });
});
