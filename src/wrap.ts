// Wrapping some of an instance's methods (and its size getter) on that instance only: how a shared
// cache takes its lock (shared.ts) and how onRemove delivers after a call (removals.ts), so that a
// cache with neither keeps its prototype's methods and pays nothing.
type Method = (...args: unknown[]) => unknown;

/**
 * Replaces `names` and the `size` getter on `target` by `around` of what `target` has now (a
 * wrapper set earlier, else the prototype's), so that wrappers stack: the last set runs outermost.
 */
export function wrapMethods(target: object, names: readonly string[], around: (method: Method, name: string) => Method): void {
  const own = target as Record<string, unknown>;
  for (const name of names) {
    Object.defineProperty(target, name, { configurable: true, writable: true, value: around(own[name] as Method, name) });
  }
  const proto = Object.getPrototypeOf(target) as object;
  const size = (Object.getOwnPropertyDescriptor(target, 'size') ?? Object.getOwnPropertyDescriptor(proto, 'size'))!.get!;
  Object.defineProperty(target, 'size', { configurable: true, get: around(size as Method, 'size') });
}
