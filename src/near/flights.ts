// The guard against the in-flight race: a reply from Redis may only be cached if nothing could
// have made it stale while it travelled. Each remote operation takes a ticket when it is sent;
// an invalidation push, a local write of the same key, or a flush voids the tickets outstanding
// for that key (or for all keys). Redis sends an invalidation push on the tracking connection
// before any later reply on that connection, so a reply whose ticket is still valid when it
// arrives was not overtaken by a write that Redis has told us about.
//
// Versions are kept only for keys with an operation in flight, so memory is bounded by the
// number of operations in flight, not by the number of keys ever seen.


/** One remote operation's claim on a key, checked when its reply arrives. */
export interface Ticket {
  readonly id: string;
  readonly version: number;
  readonly epoch: number;
}

interface KeyState {
  version: number;
  /** Tickets taken and not yet settled. */
  open: number;
}

// A key's identity as Redis sees it: a string key and the Uint8Array of its UTF-8 bytes are the
// same key (invalidation pushes name keys by their bytes). fetch() coalesces loads by the same id.
export { keyId } from '../fetch.js';

export class Flights {
  /** Bumped by a flush: voids every outstanding ticket at once. */
  private epoch = 0;
  private readonly keys = new Map<string, KeyState>();

  /** A ticket for an operation on `id` about to be sent. Settle it with {@link settle}. */
  take(id: string): Ticket {
    let state = this.keys.get(id);
    if (state === undefined) this.keys.set(id, (state = { version: 0, open: 0 }));
    state.open++;
    return { id, version: state.version, epoch: this.epoch };
  }

  /** The operation's reply arrived (or it failed): true if nothing voided the ticket meanwhile. */
  settle(ticket: Ticket): boolean {
    const state = this.keys.get(ticket.id);
    if (state === undefined) return false; // cannot happen while the ticket is open; be safe
    const valid = state.version === ticket.version && this.epoch === ticket.epoch;
    if (--state.open === 0) this.keys.delete(ticket.id);
    return valid;
  }

  /** The key changed: void its outstanding tickets. */
  void(id: string): void {
    const state = this.keys.get(id);
    if (state !== undefined) state.version++;
  }

  /** Everything may have changed: void every outstanding ticket. */
  voidAll(): void {
    this.epoch++;
  }

  /** Keys with an operation in flight (for tests). */
  get size(): number {
    return this.keys.size;
  }
}
