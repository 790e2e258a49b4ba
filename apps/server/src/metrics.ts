import { COMMAND_NAMES } from '@huddle/protocol';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one server node, in their own registry (several apps can live in one test
 * process). Exposed at `/metrics`.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // Deliveries are counted in a plain map (one increment per recipient of each broadcast is on the hot
  // path) and handed to the counter when /metrics is scraped.
  const emitted = new Map<string, number>();
  // Read off the node's sockets when /metrics is scraped (see `measureSockets`).
  let sockets: () => { bufferedBytes: number; backlogged: number } = () => ({ bufferedBytes: 0, backlogged: 0 });

  const eventsReceived = new Counter({
    name: 'huddle_events_received_total',
    help: 'Client events received, by event name (unknown names count as "unknown")',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  const commandDuration = new Histogram({
    name: 'huddle_command_duration_seconds',
    help: 'Time from a command arriving to its ack, by command and outcome (ok or error code)',
    labelNames: ['command', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // Every command of the protocol shows from the first scrape, at 0, rather than once it was first sent.
  for (const command of COMMAND_NAMES) {
    eventsReceived.inc({ event: command }, 0);
    commandDuration.zero({ command, outcome: 'ok' });
  }

  return {
    registry,
    /** Counts one server event delivered to one socket: a shared `onAnyOutgoing` listener. */
    countEmitted(event: string): void {
      emitted.set(event, (emitted.get(event) ?? 0) + 1);
    },
    connectedSockets: new Gauge({
      name: 'huddle_connected_sockets',
      help: 'Socket.IO connections open on this node',
      registers: [registry],
    }),
    eventsReceived,
    eventsEmitted: new Counter({
      name: 'huddle_events_emitted_total',
      help: 'Server events delivered to sockets, by event name (a broadcast counts once per recipient)',
      labelNames: ['event'] as const,
      registers: [registry],
      collect() {
        for (const [event, n] of emitted) this.inc({ event }, n);
        emitted.clear();
      },
    }),
    commandDuration,
    queryDuration: new Histogram({
      name: 'huddle_storage_query_duration_seconds',
      help: 'Storage query time, by statement kind and outcome',
      labelNames: ['kind', 'outcome'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    /** Tells the socket gauges how to read the node's sockets. */
    measureSockets(source: typeof sockets): void {
      sockets = source;
    },
    socketBufferedBytes: new Gauge({
      name: 'huddle_socket_buffered_bytes',
      help: 'Bytes sent to clients that they have not taken yet, all sockets of this node together',
      registers: [registry],
      collect() {
        this.set(sockets().bufferedBytes);
      },
    }),
    backloggedSockets: new Gauge({
      name: 'huddle_backlogged_sockets',
      help: 'Sockets whose client is behind: coalescable broadcasts (sensor updates, leaderboard, typing) skip them',
      registers: [registry],
      collect() {
        this.set(sockets().backlogged);
      },
    }),
    packetsRefused: new Counter({
      name: 'huddle_packets_refused_total',
      help: 'Client packets refused before any work: over the packet budget, or too many before set-up',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    socketsCutOff: new Counter({
      name: 'huddle_sockets_cut_off_total',
      help: 'Connections the server ended: far over the packet budget, or a client too far behind',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    adapterErrors: new Counter({
      name: 'huddle_adapter_errors_total',
      help: "Errors on the cluster's Redis connection (Socket.IO adapter, presence, rate limits)",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
