import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Runs a flooder script of this folder (`flooder.ts`, `cost-flooder.ts`, `packet-flooder.ts`) in a process
 * of its own with `options` as its argument, and resolves to the JSON of the last line it printed. At the
 * lowest priority: a real attacker's CPU is not on the server's machine, so the flooder only gets what the
 * server and the measured clients leave.
 */
export function runFlooderProcess<T>(script: string, options: Record<string, unknown>): Promise<T> {
  const child = spawn(
    'nice',
    [
      '-n',
      '19',
      process.execPath,
      '--conditions=development',
      '--import',
      'tsx',
      path.join(import.meta.dirname, script),
      JSON.stringify(options),
    ],
    { cwd: path.resolve(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let last = '';
    createInterface({ input: child.stdout }).on('line', (line) => {
      last = line;
    });
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(last) as T) : reject(new Error(`${script} exited ${code}`)),
    );
  });
}
