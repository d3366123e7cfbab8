#!/usr/bin/env node
// `wasmcache serve [--port 6379] [--bind 127.0.0.1] [--maxmemory 256mb] [--requirepass ...]
// [--dir . --dbfilename dump.wcs]`: serves a wasmcache over RESP until SHUTDOWN, SIGTERM or SIGINT
// (each saves the snapshot first, unless SHUTDOWN NOSAVE; if that save fails, the server logs it and
// keeps serving with every key, and the next SIGTERM tries again).

import { createServer, parseFlags } from './server/index.js';

const USAGE = `usage: wasmcache serve [--port 6379] [--bind 127.0.0.1] [--maxmemory 256mb] [--requirepass <password>]
                       [--dir .] [--dbfilename dump.wcs] [--maxclients 10000]
                       [--proto-max-bulk-len 512mb] [--client-query-buffer-limit 1gb]`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return;
  }
  if (command !== 'serve') {
    console.error(command === undefined ? USAGE : `unknown command '${command}'\n${USAGE}`);
    process.exit(2);
  }
  let flags;
  try {
    flags = parseFlags(rest);
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const server = await createServer(flags);
  server.handleSignals();
  server.onShutdown = () => process.exit(0);
  console.log(`wasmcache ready: redis://${server.config.bind}:${server.port} (maxmemory ${server.config.maxmemory}, ${server.cache.size} keys loaded from ${server.snapshotPath})`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`wasmcache: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
