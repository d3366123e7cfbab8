// Node: loading a snapshot file into a new cache with the reads overlapped with the stores. While
// the core checks and stores the blocks of one window of the file (1 MiB, whole blocks), the next
// window is read (fs.read, on libuv's thread pool) into the other of two windows at the top of the
// free pages; the core reads each block where it landed, with no copy into the scratch region.
//
//   pages:  │ items stored so far │ free ... │ window A │ window B │ pages the tables may take │ tables │
//           └ freeFrom()                     └ fence: loadBlock stores nothing that could reach it
//
// The two windows are used in turn, so their pages are touched once and stay warm in the CPU
// caches. The core refuses (LOAD_FENCED) a block whose items could take a page at or past the
// fence; that block is stored from the scratch region once no read is in flight, and from then on
// (the items have reached the windows) blocks are read into the scratch region as in snapshot.ts.
// Below the windows, prefault.ts has the thread pool fault in the pages the items will take (reads
// of /dev/zero, top down), with a fence of its own at the lowest read in flight.
import { LOAD_FENCED, REG_PAGE_BYTES } from '../assembly/abi.js';
import type { NodeFs } from './snapshot-file.js';
import {
  END_MAGIC, HEADER_BYTES, type LoadResult, type SnapshotHost, blockHeader, checkTrailer, checkedBlock, emptiedFor,
  fileSource, io, ioError, loadBlockInPieces, needBytes, readHeader,
} from './snapshot.js';
import { CacheError } from './errors.js';
import { Prefault } from './prefault.js';

const BLOCK_HEADER_BYTES = 12;
/** loadBlock's mode: check and store. */
const CHECK_AND_STORE = 1;
const WINDOW_BYTES = 1 << 20;

/** Bytes of the file at `pos`, `len` long, in the cache's memory at `addr`. */
interface Window {
  pos: number;
  len: number;
  addr: number;
}

/** Opens the snapshot file at `path`, loads it into the emptied cache (`clear` empties it) and closes it. */
export async function loadFileAhead(fs: NodeFs, path: string, host: SnapshotHost, now: number, clear: () => void): Promise<LoadResult> {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw ioError('open', path, e);
  }
  try {
    const load = emptiedFor(host, clear);
    try {
      return load.done(await walkAhead(fs, fd, path, host, now));
    } catch (e) {
      throw load.failed(e);
    }
  } finally {
    io(() => fs.closeSync(fd), 'close', path);
  }
}

/** Reads `len` bytes of the file at `pos` into the cache's memory at `addr`, on the thread pool. */
function readInto(fs: NodeFs, fd: number, path: string, u8: Uint8Array, pos: number, len: number, addr: number): Promise<Window> {
  return new Promise((resolve, reject) => {
    const step = (done: number) => {
      if (done === len) return resolve({ pos, len, addr });
      fs.read(fd, u8, addr + done, len - done, pos + done, (e, n) => {
        if (e) reject(ioError('read', path, e));
        else if (n === 0) reject(new CacheError('ERR_SNAPSHOT_TRUNCATED', `snapshot file ended at byte ${pos + done} while reading`));
        else step(done + n);
      });
    };
    step(0);
  });
}

/** The whole snapshot, checked and stored block by block (see the top of this file). Returns the item count. */
async function walkAhead(fs: NodeFs, fd: number, path: string, host: SnapshotHost, now: number): Promise<number> {
  const { core, u8, dv, scratch, scratchBytes } = host;
  // A window holds several blocks (each at most the scratch region, so that a fenced one can be
  // copied there): fewer, larger reads.
  const win = Math.max(scratchBytes, WINDOW_BYTES);
  const source = fileSource(fs, fd, u8, path);
  const size = source.size;
  const count = readHeader(host, source, true);
  // Two windows at the top of the page area, used in turn: the core reads one while the other is
  // read into. Their pages are touched once, and stay in the CPU caches between uses.
  const low = Math.floor(((core.stagingCeiling() >>> 0) - 2 * win) / 64) * 64;
  // Room below them for a window's items and a few new slabs (the core fences a block that needs more).
  const lead = win + 4 * host.regs32[REG_PAGE_BYTES];
  /** The window to read into after the one at `after` (0: none yet), or 0 if the items come too close. */
  const place = (after: number) => (low >= (core.freeFrom() >>> 0) + lead ? (after === low ? low + win : low) : 0);
  // The pages the items will take, faulted on the thread pool too (prefault.ts), up to a little
  // more than the file's size past the items stored so far (items take about what their records do:
  // more would fault pages no item takes, which then count in the process's memory).
  const pre = Prefault.open(fs, u8, core.freeFrom() >>> 0, Math.min(low - lead, (core.freeFrom() >>> 0) + Math.ceil((size - HEADER_BYTES) * 1.05)));
  let cur: Window | undefined;
  let ahead: Promise<Window> | undefined; // the read in flight, into a window above cur's
  let items = 0;
  let blocks = 0;
  let at = HEADER_BYTES;
  try {
    while (true) {
      if (!cur || at >= cur.pos + cur.len) {
        if (ahead) cur = await ahead;
        ahead = undefined;
        if (!cur || cur.pos !== at) {
          const addr = place(0);
          if (addr !== 0) cur = await readInto(fs, fd, path, u8, at, Math.min(win, size - at), addr);
          else {
            const len = Math.min(scratchBytes, size - at); // the scratch region holds one block at most
            source.read(at, len, scratch);
            cur = { pos: at, len, addr: scratch };
          }
        }
      }
      const off = at - cur.pos;
      needBytes(size, at, 4, 'block or trailer magic');
      if (off + Math.min(BLOCK_HEADER_BYTES, size - at) > cur.len) {
        cur = undefined; // the window ends inside the block header: a window from it
        continue;
      }
      if (dv.getUint32(cur.addr + off, true) === END_MAGIC) break;
      const { n, bytes } = blockHeader(host, size, at, cur.addr + off);
      if (bytes > scratchBytes) {
        // Larger than a window (snapshot.ts reads it in pieces, storing each value in place): no read may be in flight.
        if (ahead) await ahead.catch(() => undefined);
        ahead = undefined;
        cur = undefined;
        loadBlockInPieces(host, source, at, bytes, n, now, true, true, undefined);
      } else if (off + bytes > cur.len) {
        cur = undefined; // the window ends inside the block: a window from it
        continue;
      } else {
        if (!ahead && cur.addr !== scratch) {
          const next = completeEnd(host, cur, at);
          const addr = next < size ? place(cur.addr) : 0;
          if (addr !== 0) {
            ahead = readInto(fs, fd, path, u8, next, Math.min(win, size - next), addr);
            ahead.catch(() => undefined); // its failure is thrown where it is awaited
          }
        }
        const ptr = cur.addr + off;
        const windows = cur.addr === scratch ? 0 : low;
        const fence = pre ? pre.fence(core.freeFrom() >>> 0, windows) : windows;
        const stored = checkedBlock(host, at, ptr, bytes, now, CHECK_AND_STORE, fence, true);
        if (stored === LOAD_FENCED && fence !== windows) {
          await pre!.wait(); // its items reach pages still being read: once they are done, the same block again
          continue;
        }
        if (stored === LOAD_FENCED) {
          // Its items could reach the windows: once the read in flight is done, it is stored from
          // the scratch region, and what was read ahead is read again (its pages may be taken).
          if (ahead) await ahead.catch(() => undefined);
          ahead = undefined;
          u8.copyWithin(scratch, ptr, ptr + bytes);
          cur = undefined;
          checkedBlock(host, at, scratch, bytes, now, CHECK_AND_STORE, 0, true);
        }
      }
      items += n;
      at += bytes;
      blocks++;
    }
  } finally {
    // Never return (or throw) with a read still writing into the cache's memory.
    if (ahead) await ahead.catch(() => undefined);
    await pre?.close();
  }
  checkTrailer(host, source, at, blocks, items, count);
  return items;
}

/** The file offset where the last block that `w` holds whole, from offset `at` on, ends. */
function completeEnd(host: SnapshotHost, w: Window, at: number): number {
  const dv = host.dv;
  let off = at - w.pos;
  while (off + BLOCK_HEADER_BYTES <= w.len && dv.getUint32(w.addr + off, true) !== END_MAGIC) {
    const bytes = BLOCK_HEADER_BYTES + dv.getUint32(w.addr + off + 8, true) + 4;
    if (off + bytes > w.len) break;
    off += bytes;
  }
  return w.pos + off;
}
