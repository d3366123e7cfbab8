#!/usr/bin/env node
// `wasmcache serve [--port 6379] [--bind 127.0.0.1] [--maxmemory 256mb] [--requirepass ...]
// [--dir . --dbfilename dump.wcs]`: serves a wasmcache over RESP until SHUTDOWN, SIGTERM or SIGINT
// (each saves the snapshot first, unless SHUTDOWN NOSAVE; if that save fails, the server logs it and
// keeps serving with every key, and the next SIGTERM tries again). On exit it logs where it saved.
//
// `--help`/`-h` and `--version`/`-v` work everywhere (`wasmcache -h`, `wasmcache serve --help`,
// `wasmcache help serve`) and print the same text. Flags are parsed by node:util's parseArgs.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FLAG_OPTIONS, flagError, flagsToConfig } from './server/config.js';
import { createServer } from './server/index.js';

const USAGE = `usage: wasmcache serve [--port 6379] [--bind 127.0.0.1] [--maxmemory 256mb] [--requirepass <password>]
                       [--dir .] [--dbfilename dump.wcs] [--maxclients 10000]
                       [--proto-max-bulk-len 512mb] [--client-query-buffer-limit 1gb]
       wasmcache --help | -h        this text (also: wasmcache help, wasmcache serve --help)
       wasmcache --version | -v     the package version

Serves a wasmcache over RESP (any Redis client works) until SHUTDOWN, SIGTERM or SIGINT, each of
which saves the snapshot --dir/--dbfilename first (loaded again on the next start).`;

const COMMANDS = ['serve', 'help'];

const OPTIONS = {
  ...FLAG_OPTIONS,
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** The version in the package.json next to this file's folder (dist/ or src/). */
function version(): string {
  const here = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
  for (let dir = dirname(here), i = 0; i < 3; i++, dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const { name, version } = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string };
      if (name === 'wasmcache' && version) return version;
    }
  }
  return 'unknown';
}

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  // --help and --version win over everything else on the line, even a bad flag (as in most tools);
  // a first, lenient parse finds them.
  const loose = parseArgs({ args: argv, options: OPTIONS, strict: false, allowPositionals: true });
  if (loose.values.help === true || loose.positionals[0] === 'help') {
    console.log(USAGE);
    return;
  }
  if (loose.values.version === true) {
    console.log(version());
    return;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (e) {
    fail(flagError(e).message);
  }
  const [command, ...extra] = parsed.positionals;
  if (command === undefined) {
    if (argv.length === 0) {
      console.error(USAGE);
      process.exit(2);
    }
    fail("flags need a command: 'serve'");
  }
  if (!COMMANDS.includes(command)) fail(`unknown command '${command}'`);
  if (extra.length > 0) fail(`unexpected argument '${extra[0]}'`);
  const { help: _help, version: _version, ...flags } = parsed.values;
  let config;
  try {
    config = flagsToConfig(flags);
  } catch (e) {
    fail((e as Error).message);
  }
  const server = await createServer(config);
  const exit = (code: number): never => {
    const saved = server.shutdownSaved;
    console.log(
      saved === undefined
        ? 'wasmcache: exiting without saving a snapshot'
        : `wasmcache: saved ${saved} keys to ${server.snapshotPath}, exiting`,
    );
    process.exit(code);
  };
  server.handleSignals((code) => (code === 0 ? exit(0) : process.exit(code)));
  server.onShutdown = () => exit(0);
  console.log(`wasmcache ready: redis://${server.config.bind}:${server.port} (maxmemory ${server.config.maxmemory}, ${server.cache.size} keys loaded from ${server.snapshotPath})`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`wasmcache: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
