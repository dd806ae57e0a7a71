/**
 * The worker's GPU scheduler: one task at a time, first come first served. A training step, a
 * sampling run, a topology run and an inspection must not interleave their kernels, and
 * `engine.endStep()` returns every transient tensor to the pool, another task's included. Training,
 * sampling, topology and inspection hold it as peers; none of them owns it.
 */
export class GpuLock {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` when every task queued before it has finished (its failure does not block the queue). */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The device is gone: tasks queued on it will fail on their own; new ones must not wait for them. */
  reset(): void {
    this.tail = Promise.resolve();
  }
}
