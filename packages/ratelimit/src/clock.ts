/**
 * A monotonic clock in milliseconds. Every limiter accepts one so tests can drive time by hand.
 * The default is `performance.now()`, which never jumps with wall-clock changes.
 */
export type Clock = () => number;

/** The default clock: `performance.now()`, monotonic milliseconds since process start. */
export const monotonicClock: Clock = () => performance.now();
