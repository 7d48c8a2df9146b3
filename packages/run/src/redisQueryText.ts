// `db.query.text` of the ioredis spans. OpenTelemetry's database conventions show a Redis
// statement with its values replaced (`SET mykey ?`), and ask that query text be recorded by
// default only when such sanitizing keeps sensitive data out. The instrumentation's own default
// serializer keeps every argument of many commands (SISMEMBER's member, LREM's element, EVAL's
// script), so `ferret run` passes this one instead.

/**
 * Commands whose first argument is a key. Their key is kept, as the conventions' example keeps
 * it; every other argument is a `?`. A command not listed here keeps no argument at all, so a
 * command added to Redis later (or one whose first argument is a password, like AUTH and HELLO)
 * records only its name and placeholders.
 */
const KEY_FIRST = new Set(
  [
    // strings and generic keyspace
    'append decr decrby del dump exists expire expireat expiretime get getbit getdel getex',
    'getrange getset incr incrby incrbyfloat lcs mget move mset msetnx persist pexpire',
    'pexpireat pexpiretime psetex pttl rename renamenx restore set setbit setex setnx',
    'setrange sort sort_ro strlen substr touch ttl type unlink watch copy',
    'bitcount bitfield bitfield_ro bitpos pfadd pfcount pfmerge',
    // hashes
    'hdel hexists hexpire hget hgetall hgetdel hgetex hincrby hincrbyfloat hkeys hlen hmget',
    'hmset hpersist hpexpire hpttl hrandfield hscan hset hsetex hsetnx hstrlen httl hvals',
    // lists
    'blmove blpop brpop brpoplpush lindex linsert llen lmove lpop lpos lpush lpushx lrange',
    'lrem lset ltrim rpop rpoplpush rpush rpushx',
    // sets
    'sadd scard sdiff sdiffstore sinter sintercard sinterstore sismember smembers smismember',
    'smove spop srandmember srem sscan sunion sunionstore',
    // sorted sets
    'bzpopmax bzpopmin zadd zcard zcount zdiffstore zincrby zinterstore zlexcount zmscore',
    'zpopmax zpopmin zrandmember zrange zrangebylex zrangebyscore zrangestore zrank zrem',
    'zremrangebylex zremrangebyrank zremrangebyscore zrevrange zrevrangebylex',
    'zrevrangebyscore zrevrank zscan zscore zunionstore',
    // streams and geo
    'xack xadd xautoclaim xclaim xdel xlen xpending xrange xrevrange xsetid xtrim',
    'geoadd geodist geohash geopos georadius georadius_ro georadiusbymember',
    'georadiusbymember_ro geosearch geosearchstore',
  ]
    .join(' ')
    .split(' '),
);

/**
 * Commands whose first argument names a subcommand (`CONFIG SET`, `CLIENT SETNAME`). The
 * subcommand is kept when it is a plain word; the arguments after it are `?`.
 */
const WITH_SUBCOMMAND = new Set([
  'acl',
  'client',
  'cluster',
  'command',
  'config',
  'function',
  'latency',
  'memory',
  'module',
  'object',
  'pubsub',
  'script',
  'slowlog',
  'xgroup',
  'xinfo',
]);

/** Longest key kept; a longer one is cut and marked with `…`. */
export const MAX_REDIS_KEY_LENGTH = 256;
/** Placeholders written before the rest are counted instead (`[N other arguments]`). */
const MAX_PLACEHOLDERS = 16;

const PLAIN_WORD = /^[A-Za-z][A-Za-z_|-]{0,31}$/;

/**
 * The statement text of a Redis command as `ferret run` records it: the command name, its key
 * when the first argument is one (a string or number, cut to {@link MAX_REDIS_KEY_LENGTH}
 * characters), a container command's subcommand, and `?` for every other argument (after 16
 * placeholders, `[N other arguments]`). No value a client sends is kept: `SET session:1 ?`,
 * `HSET user:1 ? ?`, `AUTH ?`, `EVAL ? ?`.
 */
export function redisQueryText(name: string, args: readonly unknown[]): string {
  const parts = [name];
  let shown = 0;
  if (args.length > 0) {
    const command = name.toLowerCase();
    const first = args[0];
    if (KEY_FIRST.has(command) && (typeof first === 'string' || typeof first === 'number')) {
      const key = String(first);
      parts.push(
        key.length > MAX_REDIS_KEY_LENGTH ? `${key.slice(0, MAX_REDIS_KEY_LENGTH)}…` : key,
      );
      shown = 1;
    } else if (
      WITH_SUBCOMMAND.has(command) &&
      typeof first === 'string' &&
      PLAIN_WORD.test(first)
    ) {
      parts.push(first);
      shown = 1;
    }
  }
  const rest = args.length - shown;
  const placeholders = Math.min(rest, MAX_PLACEHOLDERS);
  for (let i = 0; i < placeholders; i++) parts.push('?');
  if (rest > placeholders) parts.push(`[${rest - placeholders} other arguments]`);
  return parts.join(' ');
}
