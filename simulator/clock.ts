/**
 * Simulated time: real elapsed time multiplied by `speed`, plus any manual advance. Tasks and replication sync
 * progress run on this clock so tests can play "hours" of initial sync in seconds. Sessions and rate limits use
 * real time, because they model how a client behaves, not how long VR work takes.
 */
export class SimClock {
  private baseReal = Date.now();
  private baseSimulated = Date.now();

  /** @param speed multiplier of real time; default 1. */
  constructor(private speed = 1) {}

  /** Current simulated epoch milliseconds (an integer). */
  now(): number {
    return Math.floor(this.baseSimulated + (Date.now() - this.baseReal) * this.speed);
  }

  get clockSpeed(): number {
    return this.speed;
  }

  /** Changes the speed from now on without making simulated time jump. */
  setSpeed(speed: number): void {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new Error('clock speed must be a positive number');
    this.baseSimulated = this.now();
    this.baseReal = Date.now();
    this.speed = speed;
  }

  /** Jumps simulated time forward. */
  advance(milliseconds: number): void {
    if (!(milliseconds >= 0)) throw new Error('can only advance the clock by a non-negative amount');
    this.baseSimulated += milliseconds;
  }
}
