/**
 * Counts seen and sampled root decisions in fixed time slots and reports sampled ÷ seen over
 * the last `slots` completed slots: a fixed ring, so memory is constant whatever the traffic.
 *
 * Completed slots only, because a ratio that counts the current root but not the roots still to
 * come in the current slot overstates the probability (by up to one slot's share, 10%), which
 * biases extrapolation low. The value also only changes when a slot completes, so the sampler
 * can reuse one result object per slot. Until a completed slot has seen a root (startup, after
 * an idle window), the current slot's own counts are used.
 */
export class SamplingWindow {
  readonly #slotMs: number;
  readonly #seen: Float64Array;
  readonly #sampled: Float64Array;
  #index = 0;
  #slotStart: number;
  #slotEnd: number;
  #seenTotal = 0;
  #sampledTotal = 0;
  #currentSeen = 0;
  #currentSampled = 0;

  constructor(windowMs: number, slots: number, now: number) {
    this.#slotMs = windowMs / slots;
    this.#seen = new Float64Array(slots);
    this.#sampled = new Float64Array(slots);
    this.#slotStart = now;
    this.#slotEnd = now + this.#slotMs;
  }

  /** Records one sampled root at `now` (monotonic ms). */
  recordSampled(now: number): void {
    if (now >= this.#slotEnd) this.#advance(now);
    this.#currentSeen += 1;
    this.#currentSampled += 1;
  }

  /** Records `count` (default 1) dropped roots at `now` (monotonic ms). */
  recordDropped(now: number, count = 1): void {
    if (now >= this.#slotEnd) this.#advance(now);
    this.#currentSeen += count;
  }

  /** Completes the slots that ended by `now` (recording does this too). */
  expire(now: number): void {
    if (now >= this.#slotEnd) this.#advance(now);
  }

  /** Milliseconds from `now` until the current slot ends (<= 0 once it has). */
  msLeftInSlot(now: number): number {
    return this.#slotEnd - now;
  }

  /**
   * Sampled ÷ seen over the completed slots of the window; over the current slot when those
   * saw nothing; 1 when nothing was seen at all.
   */
  probability(): number {
    if (this.#seenTotal > 0) return this.#sampledTotal / this.#seenTotal;
    return this.#currentSeen > 0 ? this.#currentSampled / this.#currentSeen : 1;
  }

  #advance(now: number): void {
    const slots = this.#seen.length;
    const steps = Math.floor((now - this.#slotStart) / this.#slotMs);
    if (steps > slots) {
      this.#seen.fill(0);
      this.#sampled.fill(0);
      this.#seenTotal = 0;
      this.#sampledTotal = 0;
    } else {
      this.#push(this.#currentSeen, this.#currentSampled);
      for (let k = 1; k < steps; k++) this.#push(0, 0);
    }
    this.#currentSeen = 0;
    this.#currentSampled = 0;
    this.#slotStart += steps * this.#slotMs;
    this.#slotEnd = this.#slotStart + this.#slotMs;
  }

  // Completes one slot: it replaces the oldest in the ring.
  #push(seen: number, sampled: number): void {
    const i = this.#index + 1 === this.#seen.length ? 0 : this.#index + 1;
    this.#index = i;
    this.#seenTotal += seen - this.#seen[i]!;
    this.#sampledTotal += sampled - this.#sampled[i]!;
    this.#seen[i] = seen;
    this.#sampled[i] = sampled;
  }
}
