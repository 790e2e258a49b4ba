import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onInterrupt } from '../lib/cleanup.js';
import type { Command, PomodoroComplete, Results } from './messages.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const BENCH_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One load-generator process and a typed call into it. */
export interface LoadWorker {
  pid: number;
  call<C extends Command>(command: C, timeoutMs?: number): Promise<Results[C['cmd']]>;
  /** Pomodoro versions every client of this process has seen, and when the last one did. */
  pomodoroComplete: Map<number, number>;
  stop(): Promise<void>;
}

export function startWorker(name: string): LoadWorker {
  const child: ChildProcess = fork(WORKER, [name], {
    cwd: BENCH_ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const forget = onInterrupt(() => child.kill('SIGKILL'));
  child.once('exit', forget);
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  const pomodoroComplete = new Map<number, number>();
  child.on('message', (msg: { id: number; result?: unknown; error?: string } | PomodoroComplete) => {
    if ('event' in msg) {
      pomodoroComplete.set(msg.version, msg.lastAt);
      return;
    }
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error !== undefined) p?.reject(new Error(`${name}: ${msg.error}`));
    else p?.resolve(msg.result);
  });
  child.on('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`${name} exited (${code ?? signal})`));
    pending.clear();
  });
  return {
    pid: child.pid as number,
    pomodoroComplete,
    call<C extends Command>(command: C, timeoutMs = 120_000) {
      const id = nextId++;
      return new Promise<Results[C['cmd']]>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: ${command.cmd} took over ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as Results[C['cmd']]);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ ...command, id });
      });
    },
    stop() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}
