// `using cache = ...`: the symbols Cache is disposable by, and the global declarations that let its
// d.ts type-check without lib esnext or @types/node.
declare global {
  // Declared as TypeScript's lib.esnext.disposable (and @types/node) declare them, so that the
  // Cache's [Symbol.dispose] type-checks for consumers whose lib lacks them; identical
  // declarations merge.
  interface SymbolConstructor {
    readonly dispose: unique symbol;
    readonly asyncDispose: unique symbol;
  }
  // Named by the declarations (options.module, FetchOptions.signal), declared empty so that they
  // type-check without lib dom or @types/node, which declare them in full (the declarations merge).
  namespace WebAssembly {
    interface Module {}
    interface Instance {}
    interface Memory {}
  }
  interface AbortSignal {}
}

/**
 * Symbol.dispose and Symbol.asyncDispose, or where the runtime lacks them, the symbols esbuild's
 * `using` helpers fall back to (`Symbol.for('Symbol.dispose')`), so that the class loads everywhere.
 */
export const DISPOSE: typeof Symbol.dispose = ((Symbol as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose')) as typeof Symbol.dispose;
export const ASYNC_DISPOSE: typeof Symbol.asyncDispose = ((Symbol as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for('Symbol.asyncDispose')) as typeof Symbol.asyncDispose;
