import { describe, expect, it } from 'vitest';
import { Palette, stripAnsi } from '../src/Palette.js';

describe('Palette', () => {
  it('colours only on a TTY without NO_COLOR', () => {
    expect(Palette.forOutput(true, {}).enabled).toBe(true);
    expect(Palette.forOutput(false, {}).enabled).toBe(false);
    expect(Palette.forOutput(true, { NO_COLOR: '1' }).enabled).toBe(false);
    // no-color.org: an empty NO_COLOR does not disable colour.
    expect(Palette.forOutput(true, { NO_COLOR: '' }).enabled).toBe(true);
  });

  it('styles and strips', () => {
    const red = new Palette(true).style('red', 'x');
    expect(red).toBe('\u001b[31mx\u001b[39m');
    expect(stripAnsi(red)).toBe('x');
    expect(new Palette(false).style('red', 'x')).toBe('x');
    expect(String(new Palette(true))).toBe('Palette(ansi)');
  });
});
