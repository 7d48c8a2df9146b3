import { BUCKET_SCRIPT, BUCKET_SCRIPT_SHA } from './bucketScript.js';

/**
 * The part of a Redis client the package uses: `EVALSHA` and `EVAL`. An `ioredis` `Redis` or
 * `Cluster` fits as is.
 */
export interface RedisScriptClient {
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** One call of the bucket script (see `BUCKET_SCRIPT` for the meaning of each field). */
export interface BucketCall {
  ratePerSecond: number;
  capacity: number;
  take: number;
  partial: boolean;
  adjust: number;
  initialTokens: number;
  expire: boolean;
  count: boolean;
}

/** What the bucket script answers. */
export interface BucketReply {
  /** Whole tokens granted. */
  granted: number;
  /** Balance left (fractional; never above capacity). */
  tokens: number;
  /** Milliseconds until the requested tokens would be there: 0 when granted, `Infinity` at rate 0. */
  retryAfterMs: number;
  /** Counted calls on this key since it was created. */
  requests: number;
  /** Counted calls refused. */
  limited: number;
}

/**
 * Runs the bucket script on `key` by its SHA, loading it with `EVAL` when the server does not
 * know it yet (first use, or a restarted server). Rejects with the client's error otherwise.
 */
export async function runBucketScript(
  redis: RedisScriptClient,
  key: string,
  call: BucketCall,
): Promise<BucketReply> {
  const args = [
    call.ratePerSecond,
    call.capacity,
    call.take,
    call.partial ? 1 : 0,
    call.adjust,
    call.initialTokens,
    call.expire ? 1 : 0,
    call.count ? 1 : 0,
  ];
  let reply: unknown;
  try {
    reply = await redis.evalsha(BUCKET_SCRIPT_SHA, 1, key, ...args);
  } catch (error) {
    if (!String((error as Error | undefined)?.message).startsWith('NOSCRIPT')) throw error;
    reply = await redis.eval(BUCKET_SCRIPT, 1, key, ...args);
  }
  return parseReply(reply);
}

/** Checks the script's answer (data read back is untrusted: a proxy or a wrong server may answer anything). */
function parseReply(reply: unknown): BucketReply {
  if (!Array.isArray(reply) || reply.length < 5) {
    throw new TypeError('Unexpected reply from the Redis bucket script');
  }
  const granted = Number(reply[0]);
  const tokens = Number(reply[1]);
  const retry = Number(reply[2]);
  const requests = Number(reply[3]);
  const limited = Number(reply[4]);
  if (![granted, tokens, retry, requests, limited].every(Number.isFinite) || granted < 0) {
    throw new TypeError('Unexpected reply from the Redis bucket script');
  }
  return {
    granted,
    tokens,
    retryAfterMs: retry < 0 ? Number.POSITIVE_INFINITY : retry,
    requests,
    limited,
  };
}
