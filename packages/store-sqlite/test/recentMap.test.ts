import { describe, expect, it } from 'vitest';
import { RecentMap } from '../src/RecentMap.js';

describe('RecentMap', () => {
  it('keeps the `limit` most recently added keys, evicting the oldest first', () => {
    const map = new RecentMap<number>(3);
    for (let i = 1; i <= 5; i++) map.set(`k${i}`, i);
    expect([1, 2, 3, 4, 5].map((i) => map.get(`k${i}`))).toEqual([undefined, undefined, 3, 4, 5]);
    // Past many rounds of the ring, still exactly the last three.
    for (let i = 6; i <= 1000; i++) map.set(`k${i}`, i);
    expect([997, 998, 999, 1000].map((i) => map.get(`k${i}`))).toEqual([undefined, 998, 999, 1000]);
  });

  it('setting a key it holds updates the value and keeps its age', () => {
    const map = new RecentMap<string>(2);
    map.set('a', 'first');
    map.set('b', 'b');
    map.set('a', 'second');
    expect(map.get('a')).toBe('second');
    map.set('c', 'c'); // evicts 'a', the oldest added
    expect([map.get('a'), map.get('b'), map.get('c')]).toEqual([undefined, 'b', 'c']);
  });
});
