/**
 * @module
 * Following a run's events: what is stored after `afterSeq` first, then each
 * new event as it is committed — by this process or, with a shared store,
 * by another replica — each exactly once and in order, until the terminal
 * event. Only committed events are delivered, so a follower never sees an
 * event that a crash then takes back.
 */
import { isTerminalRunStatus, type RunEvent } from '@squire/client/contract';
import type { Store, StoredEvent } from '../store/store.js';

const PAGE = 500;

export function followRun(
  store: Pick<Store, 'runs' | 'events'>,
  runId: string,
  afterSeq: number,
  onEvent: (event: RunEvent, stored: StoredEvent) => void,
  onEnd: (error?: unknown) => void,
): () => void {
  let last = afterSeq;
  let done = false;
  let reading: Promise<void> | undefined;
  let again = false;

  const end = (error?: unknown) => {
    if (done) return;
    done = true;
    unwatch();
    onEnd(error);
  };

  /** Reads everything committed after `last`; true once the terminal event went out. */
  const drain = async (): Promise<boolean> => {
    for (;;) {
      const events = await store.events.after(runId, last, PAGE);
      for (const event of events) {
        if (done) return true;
        last = event.seq;
        onEvent(JSON.parse(event.data) as RunEvent, event);
        if (event.type === 'run.completed' || event.type === 'run.failed') return true;
      }
      if (events.length < PAGE) return false;
    }
  };

  /** One reader at a time; a wake-up during a read makes it read once more. Settles when reading stops. */
  const read = (): Promise<void> => {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      try {
        do {
          again = false;
          if (await drain()) return end();
        } while (again && !done);
      } catch (error) {
        end(error);
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  };

  // Watch before the first read, so nothing committed in between is missed.
  const unwatch = store.events.watch(runId, () => void read());
  void (async () => {
    try {
      // The status first: if the run had already ended, all of its events are stored.
      const status = (await store.runs.get(runId))?.status;
      await read();
      // Runs that ended without a terminal event (stored by an older sidecar) end here.
      if (!done && status !== undefined && isTerminalRunStatus(status)) end();
    } catch (error) {
      end(error);
    }
  })();
  // Stops following; `onEnd` is not called.
  return () => {
    done = true;
    unwatch();
  };
}
