import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times: 100 on every Linux this runs on (USER_HZ). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Resident set size in bytes, from /proc/<pid>/status (VmRSS); 0 once the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Seconds the process's main thread (the event loop) has spent runnable but waiting for a CPU, from
 * /proc/<pid>/schedstat: how much it was starved by everything else on the machine.
 */
export function runQueueWaitSeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return 0;
  }
}

/** Run-queue wait of a set of processes' main threads since this call (call the result to read it). */
export function waitMeter(pids: readonly number[]) {
  const before = pids.map(runQueueWaitSeconds);
  return () => pids.map((pid, i) => runQueueWaitSeconds(pid) - (before[i] ?? 0)).reduce((a, b) => a + b, 0);
}

/** CPU seconds used by a set of processes since this call (call the result to read it). */
export function cpuMeter(pids: readonly number[]) {
  const before = pids.map(cpuSeconds);
  return () => pids.map((pid, i) => cpuSeconds(pid) - (before[i] ?? 0)).reduce((a, b) => a + b, 0);
}
