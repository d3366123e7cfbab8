// Child processes: the memory and tail-latency benches run each library alone in a fresh Node
// (so one library's heap cannot disturb another's), with --expose-gc. A child prints its answer
// as one line `RESULT <json>` on stdout; everything else it prints is passed through.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RESULT = 'RESULT ';

/** Runs `node <flags> --import tsx bench/<script> <args>` and resolves to its RESULT. */
export function runChild<T>(script: string, args: string[], flags: string[] = []): Promise<T> {
  const file = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const argv = ['--expose-gc', ...flags, '--import', 'tsx', file, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.startsWith(RESULT)) result = line.slice(RESULT.length);
        else console.log('  ' + line);
      }
    });
    let result: string | undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0 || result === undefined) {
        reject(new Error(`${script} ${args.join(' ')} failed (exit ${code ?? signal}${result === undefined ? ', no RESULT line' : ''})`));
      } else resolve(JSON.parse(result) as T);
    });
  });
}

/** In a child: hands the answer back to runChild. */
export function sendResult(value: unknown): void {
  process.stdout.write(RESULT + JSON.stringify(value) + '\n');
}

/** The value of `--name=value` among the arguments, if any. */
export function arg(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}
