import { createHash } from 'node:crypto';

/**
 * The one Lua script every class in the package runs: refills a token bucket stored in a Redis
 * hash from the server's clock (`TIME`), applies an adjustment, takes tokens and counts, all
 * atomically.
 *
 * KEYS[1]  the bucket's hash (fields `t` = tokens, `ts` = last refill in server microseconds,
 *          `r` / `l` = requests / limited counters)
 * ARGV[1]  ratePerSecond (finite, >= 0)
 * ARGV[2]  capacity (>= 1)
 * ARGV[3]  tokens to take (>= 0; 0 reads the balance)
 * ARGV[4]  1 = partial: grant as many whole tokens as are there, up to ARGV[3] (a lease);
 *          0 = all or nothing (a take)
 * ARGV[5]  adjustment applied before the take: > 0 charges tokens spent elsewhere (never below
 *          zero); < 0 gives tokens back (never above capacity)
 * ARGV[6]  tokens of a bucket that does not exist yet
 * ARGV[7]  1 = expire the key once it would be full again (a full bucket and a missing one read
 *          the same for callers that create missing buckets full)
 * ARGV[8]  1 = count this call in `r` (and in `l` when refused)
 *
 * Returns `{ granted, tokens, retryAfterMs, requests, limited }`: whole tokens granted, the
 * balance left as a string (Redis would truncate a Lua number to an integer), milliseconds until
 * ARGV[3] tokens would be there (-1 for never), and the counters.
 */
export const BUCKET_SCRIPT = `
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local partial = ARGV[4] == '1'
local adjust = tonumber(ARGV[5])
local initial = tonumber(ARGV[6])
local expire = ARGV[7] == '1'
local count = ARGV[8] == '1'

if redis.replicate_commands then redis.replicate_commands() end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local state = redis.call('HMGET', key, 't', 'ts', 'r', 'l')
local tokens = tonumber(state[1])
local last = tonumber(state[2])
local requests = tonumber(state[3]) or 0
local limited = tonumber(state[4]) or 0
if tokens == nil or last == nil then
  tokens = initial
  last = now
end
local elapsed = now - last
if elapsed > 0 then
  tokens = tokens + elapsed * rate / 1000000
end
if tokens > capacity then tokens = capacity end

if adjust > 0 then
  tokens = tokens - adjust
  if tokens < 0 then tokens = 0 end
elseif adjust < 0 then
  tokens = tokens - adjust
  if tokens > capacity then tokens = capacity end
end

local granted = 0
if partial then
  granted = math.floor(tokens)
  if granted > want then granted = want end
  if granted < 0 then granted = 0 end
  tokens = tokens - granted
elseif want > 0 and tokens >= want then
  granted = want
  tokens = tokens - want
end

local retry = 0
if want > 0 and granted < want then
  if rate > 0 then
    retry = math.ceil((want - granted - tokens) * 1000 / rate)
    if retry < 1 then retry = 1 end
  else
    retry = -1
  end
end

if count and want > 0 then
  requests = requests + 1
  if granted < want then limited = limited + 1 end
end

redis.call('HSET', key, 't', string.format('%.17g', tokens), 'ts', string.format('%.17g', now), 'r', requests, 'l', limited)
if expire then
  if rate > 0 then
    local full = math.ceil((capacity - tokens) * 1000 / rate) + 1000
    redis.call('PEXPIRE', key, full)
  else
    redis.call('PERSIST', key)
  end
end
return { granted, string.format('%.17g', tokens), retry, requests, limited }
`;

/** SHA-1 of {@link BUCKET_SCRIPT}, for `EVALSHA`. */
export const BUCKET_SCRIPT_SHA = createHash('sha1').update(BUCKET_SCRIPT).digest('hex');
