// Node: snapshot files. A save writes a temporary file beside the target, fsyncs it and renames it
// over the target, so a crash mid-save leaves the previous snapshot; a load reads the file in
// blocks (fileSource). The format itself is snapshot.ts; this file only does the file system.
import { CacheError } from './errors.js';
import { io, ioError, type LoadResult } from './snapshot.js';

export type NodeFs = typeof import('node:fs');

/** Node's fs, without a static import (the package also runs where there is no fs). */
export function nodeFs(what: string): NodeFs {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as NodeFs | undefined;
  if (!fs) {
    throw new CacheError(
      'ERR_SNAPSHOT_IO',
      `${what} needs Node 20.16+ (fs), which this runtime does not have; elsewhere use exportSnapshot() and importSnapshot() (or saveToIndexedDB / saveToOPFS in browsers)`,
    );
  }
  return fs;
}

/** This thread's id (worker_threads; 0 on the main thread), so that threads of one process never take each other's temporary files. */
function threadId(): number {
  const proc = process as { getBuiltinModule?: (id: string) => unknown };
  return (proc.getBuiltinModule?.('node:worker_threads') as { threadId?: number } | undefined)?.threadId ?? 0;
}

/**
 * Removes the temporary files (`<path>.tmp-<pid>-<thread>-<time>`) that earlier saves of `path`
 * left behind (a kill mid-save): those of processes that are gone, and this thread's own (a save
 * is synchronous, so none is being written now). Best effort: a failure here is left to the save
 * itself to report.
 */
function removeStaleTemps(fs: NodeFs, path: string, thread: number): void {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dir = path.slice(0, cut + 1);
  const prefix = `${path.slice(cut + 1)}.tmp-`;
  let names: string[];
  try {
    names = fs.readdirSync(dir || '.');
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-(?:(\d+)-)?[0-9a-z]+$/.exec(name.slice(prefix.length)); // (no thread: an older version's)
    if (!m) continue;
    const pid = Number(m[1]);
    const mine = pid === process.pid && Number(m[2] ?? 0) === thread;
    if (!mine && (pid === process.pid || pidAlive(pid))) continue;
    try {
      fs.rmSync(dir + name, { force: true });
    } catch {
      // left for the next save
    }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM'; // alive, of another user
  }
}

function writeAll(fs: NodeFs, fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
}

/**
 * Writes a snapshot to `path` (see the top of this file) and returns what `write` returned (the
 * items saved). `write` gets the block writer and the header rewriter (the count, known at the end).
 */
export function saveFile(
  fs: NodeFs,
  path: string,
  write: (out: (view: Uint8Array) => void, header: (bytes: Uint8Array) => void) => number,
): number {
  const thread = threadId();
  removeStaleTemps(fs, path, thread);
  const tmp = `${path}.tmp-${process.pid}-${thread}-${Date.now().toString(36)}`;
  const fd = io(() => fs.openSync(tmp, 'w'), 'create the temporary file', tmp);
  let count: number;
  try {
    try {
      // Blocks go out straight from the cache's memory (writes are synchronous: nothing can change it meanwhile).
      count = write(
        (view) => io(() => writeAll(fs, fd, view), 'write', tmp),
        (header) => io(() => fs.writeSync(fd, header, 0, header.length, 0), 'write', tmp),
      );
      io(() => fs.fsyncSync(fd), 'fsync', tmp);
    } finally {
      io(() => fs.closeSync(fd), 'close', tmp);
    }
    io(() => fs.renameSync(tmp, path), `rename ${tmp} to`, path);
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true }); // the previous snapshot at `path` stays as it was
    } catch {
      // removed by the next save (removeStaleTemps)
    }
    throw e;
  }
  return count;
}

/** Opens the snapshot file at `path` and hands its descriptor to `load`; with `missingOk`, a missing file loads nothing (undefined). */
export function loadFile(fs: NodeFs, path: string, missingOk: boolean, load: (fd: number) => LoadResult): LoadResult | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    if (missingOk && (e as { code?: string }).code === 'ENOENT') return undefined;
    throw ioError('open', path, e);
  }
  try {
    return load(fd);
  } finally {
    io(() => fs.closeSync(fd), 'close', path);
  }
}

/**
 * options.snapshot's warm restart: runs `load` (the file's items come back; a missing file loads
 * nothing); a bad file throws its CacheError, saying the file was left as it was.
 */
export function restoreFile(path: string, load: () => unknown): void {
  try {
    load();
  } catch (e) {
    const err = e as CacheError;
    throw new CacheError(err.code, `options.snapshot could not load ${path} (the file is left as it was): ${err.message}`, { cause: e });
  }
}
