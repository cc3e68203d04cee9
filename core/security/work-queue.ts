// A bounded queue for expensive work (password hashing): at most `concurrency` tasks run at once,
// at most `maxWaiting` wait for a turn, and past that a task is refused at once with `busy`
// rather than queued without bound, so a flood of sign-ins costs memory and CPU the queue's
// size, not the flood's.

export class BusyError extends Error {
  readonly code = 'busy';
  constructor(message = 'too many sign-ins are being checked right now; try again in a few seconds') {
    super(message);
    this.name = 'BusyError';
  }
}

export interface QueueLimits { concurrency: number; maxWaiting: number }
export interface QueueStats { running: number; waiting: number; completed: number; refused: number }

export class BoundedQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private completed = 0;
  private refused = 0;

  constructor(private limits: QueueLimits) {}

  /** Runs the task when a slot is free; throws BusyError when the waiting line is full. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limits.concurrency) {
      if (this.waiting.length >= this.limits.maxWaiting) {
        this.refused++;
        throw new BusyError();
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      this.completed++;
      // Hand the slot straight to the next waiting task (the running count stays).
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  stats(): QueueStats {
    return { running: this.running, waiting: this.waiting.length, completed: this.completed, refused: this.refused };
  }

  /** Changes the limits (tests; a deployment tuning them). Tasks already admitted are kept. */
  configure(limits: Partial<QueueLimits>): void {
    this.limits = { ...this.limits, ...limits };
  }

  get limitsNow(): QueueLimits {
    return { ...this.limits };
  }
}
