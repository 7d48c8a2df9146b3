export { type Clock, monotonicClock } from './clock.js';
export { type RateBucket, TokenBucket, type TokenBucketOptions } from './TokenBucket.js';
