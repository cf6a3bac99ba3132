import type { RunEvent, RunEventPublisher } from '../store/types.js';

export type RunEventListener = (event: RunEvent) => void;

/**
 * Delivers committed run events to the listeners of this process, synchronously and in order.
 * A listener that throws is reported to `onListenerError` and does not stop the others.
 */
export class InProcessEventBus implements RunEventPublisher {
  private readonly listeners = new Set<RunEventListener>();

  constructor(private readonly onListenerError: (error: unknown, event: RunEvent) => void = reportListenerError) {}

  /** How many subscriptions are open. */
  get size(): number {
    return this.listeners.size;
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: RunEventListener): () => void {
    // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
    const entry: RunEventListener = (event) => listener(event);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  publish(events: RunEvent[]): void {
    for (const event of events) {
      for (const listener of [...this.listeners]) {
        try {
          listener(event);
        } catch (error) {
          this.onListenerError(error, event);
        }
      }
    }
  }
}

function reportListenerError(error: unknown, event: RunEvent): void {
  console.error(`run event listener failed on event ${event.seq}:`, error);
}
