/**
 * The timers of `delay` faults, kept so that closing an emulator cancels them instead of holding the process open.
 */

/** Pending `delay` fault timers of one listener. */
export class FaultDelays {
  readonly #timers = new Set<NodeJS.Timeout>();

  /** Resolves after `ms`, unless {@link FaultDelays.cancelAll} runs first (then it never resolves). */
  wait(ms: number): Promise<void> {
    return new Promise<void>((done) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        done();
      }, ms);
      this.#timers.add(t);
    });
  }

  /** Cancels every pending wait, at close. */
  cancelAll(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
