import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import type { SpeedscopeEventedProfile, SpeedscopeFile } from '../../src/speedscope.js';

const require = createRequire(import.meta.url);
const schemaPath = require.resolve('speedscope/dist/release/file-format-schema.json');

/** Validator for the schema shipped in the `speedscope` npm package. */
export const validateSpeedscope = new Ajv({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(schemaPath, 'utf8')) as object,
);

/**
 * The checks speedscope's importer (CallTreeProfileBuilder) throws on: events in non-decreasing
 * time, a close only for the frame on top of the stack, and (our rule) nothing left open.
 * Returns the problem, or undefined when the profile imports cleanly.
 */
export function stackProblem(profile: SpeedscopeEventedProfile): string | undefined {
  const stack: number[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (const [i, event] of profile.events.entries()) {
    if (event.at < last) return `event ${i} at ${event.at} goes back in time from ${last}`;
    if (event.at < profile.startValue || event.at > profile.endValue) {
      return `event ${i} at ${event.at} outside [${profile.startValue}, ${profile.endValue}]`;
    }
    last = event.at;
    if (event.type === 'O') stack.push(event.frame);
    else {
      const top = stack.pop();
      if (top !== event.frame) return `event ${i} closes frame ${event.frame} but ${top} is on top`;
    }
  }
  return stack.length === 0 ? undefined : `${stack.length} frames left open`;
}

/** Every (frame, open, close) triple of a profile, with the depth at which it was opened. */
export function intervals(
  profile: SpeedscopeEventedProfile,
): Array<{ frame: number; start: number; end: number; depth: number }> {
  const open: Array<{ frame: number; start: number; depth: number }> = [];
  const out: Array<{ frame: number; start: number; end: number; depth: number }> = [];
  for (const event of profile.events) {
    if (event.type === 'O') open.push({ frame: event.frame, start: event.at, depth: open.length });
    else {
      const top = open.pop()!;
      out.push({ ...top, end: event.at });
    }
  }
  return out;
}

export function frameName(file: SpeedscopeFile, index: number): string {
  return file.shared.frames[index]?.name ?? `#${index}`;
}
