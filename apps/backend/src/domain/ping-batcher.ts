/**
 * Micro-batching: work items that arrive within a few milliseconds of each other, under one key (a course), are
 * written together by one call of `write` — one transaction instead of one per item. Each caller's promise settles
 * only when the batch holding its item has been written (for pings: committed), never before.
 */

/** When a key's pending items are written. */
export interface BatchSettings {
  /** Write as soon as this many items are pending. */
  maxSize: number;
  /** Write at the latest this many milliseconds after the oldest pending item arrived (0: at the next turn). */
  maxWaitMs: number;
  /** Batches of one key written at the same time (1 by default); more pending items wait for one to finish. */
  maxInFlight?: number;
}

/**
 * Writes one batch of a key's items, in arrival order, and answers one outcome per item in the same order. When it
 * throws, no item of the batch may have been written (one transaction).
 */
export type WriteBatch<I, O> = (key: string, items: I[]) => Promise<O[]>;

export interface Batcher<I, O> {
  /** Queues `item` under `key`; resolves with its outcome once its batch is written, or rejects with the batch's error. */
  submit(key: string, item: I): Promise<O>;
  /** Writes everything pending now and waits for every batch in flight: call before closing the database. */
  drain(): Promise<void>;
}

export interface BatcherOptions {
  /**
   * Whether a batch that failed with `err` is retried item by item, so that one bad item fails alone. Answer false
   * for errors every item would meet (the database is unavailable): then every caller of the batch gets the error.
   */
  retryAlone?: (err: unknown) => boolean;
  /** Told the size of each batch before it is written (metrics). */
  onBatch?: (size: number) => void;
}

interface Waiting<I, O> {
  item: I;
  arrivedAt: number;
  resolve: (outcome: O) => void;
  reject: (err: unknown) => void;
}

interface KeyState<I, O> {
  pending: Waiting<I, O>[];
  timer?: NodeJS.Timeout;
  /** The batches being written, at most `maxInFlight`. */
  writing: Set<Promise<void>>;
}

/**
 * A batcher per `settings`: items of one key wait until `maxSize` are pending or the oldest has waited `maxWaitMs`,
 * and while `maxInFlight` batches of that key are being written; then the next batch (at most `maxSize` items) is
 * written. Keys are written independently of each other.
 */
export function createBatcher<I, O>(
  settings: BatchSettings,
  write: WriteBatch<I, O>,
  options: BatcherOptions = {},
): Batcher<I, O> {
  const keys = new Map<string, KeyState<I, O>>();

  const settle = async (key: string, batch: Waiting<I, O>[]): Promise<void> => {
    options.onBatch?.(batch.length);
    try {
      const outcomes = await write(
        key,
        batch.map((w) => w.item),
      );
      for (const [i, waiting] of batch.entries()) waiting.resolve(outcomes[i] as O);
    } catch (err) {
      if (batch.length > 1 && options.retryAlone?.(err)) {
        for (const waiting of batch) await settle(key, [waiting]);
      } else {
        for (const waiting of batch) waiting.reject(err);
      }
    }
  };

  const kick = (key: string, state: KeyState<I, O>, force = false): void => {
    if (state.writing.size >= (settings.maxInFlight ?? 1)) return;
    const oldest = state.pending[0];
    if (!oldest) {
      if (state.writing.size === 0) keys.delete(key);
      return;
    }
    const waited = performance.now() - oldest.arrivedAt;
    if (!force && state.pending.length < settings.maxSize && waited < settings.maxWaitMs) {
      state.timer ??= setTimeout(
        () => {
          state.timer = undefined;
          kick(key, state);
        },
        Math.max(0, settings.maxWaitMs - waited),
      );
      return;
    }
    clearTimeout(state.timer);
    state.timer = undefined;
    const batch = state.pending.splice(0, settings.maxSize);
    const writing: Promise<void> = settle(key, batch).finally(() => {
      state.writing.delete(writing);
      kick(key, state, force);
    });
    state.writing.add(writing);
    // Another batch may start at once when more than a batch is waiting.
    if (state.pending.length > 0) kick(key, state, force);
  };

  return {
    submit(key, item) {
      let state = keys.get(key);
      if (!state) {
        state = { pending: [], writing: new Set() };
        keys.set(key, state);
      }
      const current = state;
      const outcome = new Promise<O>((resolve, reject) => {
        current.pending.push({ item, arrivedAt: performance.now(), resolve, reject });
      });
      kick(key, current);
      return outcome;
    },
    async drain() {
      while (keys.size > 0) {
        const writes: Promise<void>[] = [];
        for (const [key, state] of keys) {
          kick(key, state, true);
          writes.push(...state.writing);
        }
        await Promise.all(writes);
      }
    },
  };
}
