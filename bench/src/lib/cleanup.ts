/**
 * Everything a run started (server processes, load generators, temporary directories), undone when
 * the run is interrupted: Ctrl-C or a `timeout` never leaves a server or a data directory behind.
 */
const undo = new Set<() => void>();

export function onInterrupt(fn: () => void): () => void {
  undo.add(fn);
  return () => undo.delete(fn);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const fn of undo) {
      try {
        fn();
      } catch {
        // keep undoing the rest
      }
    }
    process.exit(130);
  });
}
