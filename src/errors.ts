/** Every code a {@link CacheError} can carry. */
export type CacheErrorCode =
  | 'ERR_OPTIONS' // an option is out of range or of the wrong type
  | 'ERR_KEY_TYPE' // a key is not a string or a Uint8Array (or a memo() argument has no key encoding)
  | 'ERR_KEY_TOO_LARGE' // a key is longer than maxKeySize bytes
  | 'ERR_VALUE_TYPE' // a value is not a string, a Uint8Array or a JSON-serialisable value
  | 'ERR_VALUE_TOO_LARGE' // a value is longer than maxValueSize bytes
  | 'ERR_TTL' // a TTL is negative, not finite, or combined with keepTtl
  | 'ERR_SET_OPTIONS' // set() got nx and xx together
  | 'ERR_NOT_INTEGER' // incr() on a value that is not an integer string
  | 'ERR_INCR_OVERFLOW' // incr() would leave the safe integer range
  | 'ERR_TARGET_TOO_SMALL' // getInto() target has no room for the value
  | 'ERR_NO_MEMORY' // the cache could not make room (or the runtime refused the memory)
  | 'ERR_SNAPSHOT_MAGIC' // not a wasmcache snapshot
  | 'ERR_SNAPSHOT_VERSION' // a snapshot format this version cannot read
  | 'ERR_SNAPSHOT_CHECKSUM' // a snapshot's bytes were changed (a checksum does not match)
  | 'ERR_SNAPSHOT_TRUNCATED' // a snapshot ends early
  | 'ERR_SNAPSHOT_CORRUPT' // a snapshot's structure is inconsistent, or a record holds what the format does not allow
  | 'ERR_SNAPSHOT_IO' // a snapshot file could not be read or written (`cause`: the fs error), or there is no fs
  | 'ERR_REDIS' // the near-cache's Redis refused a command it needs (e.g. CLIENT TRACKING)
  | 'ERR_DISPOSED' // the cache was disposed
  | 'ERR_LOCK_TIMEOUT'; // a shared cache stayed locked past its timeout (a thread terminated in the middle of a call?)

/** The error every rejected call throws. The cache is unchanged after a rejected call. */
export class CacheError extends Error {
  /** Machine-readable reason, e.g. 'ERR_VALUE_TOO_LARGE'. */
  readonly code: CacheErrorCode;

  /** `cause`: the error underneath, e.g. the fs error of ERR_SNAPSHOT_IO. */
  constructor(code: CacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CacheError';
    this.code = code;
  }
}
