// The tag of a `ferret run` run, carried in the `ferret` tracestate member (`r:<tag>`): every
// process of one run computes the same tag from the run id, so a trace decided by one of them is
// recognised as the run's own by the others (and by the writer that stores their spans).
import { createHash } from 'node:crypto';

/**
 * The tag of a run: 16 hex digits of SHA-256 over its id. Every process of one `ferret run`
 * shares the id (`FERRET_RUN_ID`), so they agree on the tag without talking to each other; the
 * default id is a random UUID, so a client cannot forge the tag of a run it does not know.
 */
export function runTagOf(runId: string): string {
  return createHash('sha256').update(`ferret run ${runId}`).digest('hex').slice(0, 16);
}
