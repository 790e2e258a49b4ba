/**
 * Floor 2: plain Socket.IO, the engine Huddle stands on, with Huddle's transport settings (WebSocket,
 * no compression, same payload limit) and nothing else: no auth, no validation, no storage, no rooms
 * beyond the default. Started by the bench: PORT from the env.
 */
import { createServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { createFloorRoom, type FloorClient, floorHttp } from './room.js';

type Client = FloorClient & { socket: Socket };

let io: Server | undefined;
const room = createFloorRoom<Client>({
  broadcast: (event, payload) => void io?.emit(event, payload),
  send: (client, event, payload) => void client.socket.emit(event, payload),
});

const http = createServer(floorHttp(room));
io = new Server(http, { serveClient: false, maxHttpBufferSize: 64 * 1024 });
let nextId = 0;
io.on('connection', (socket) => {
  const auth = socket.handshake.auth as { name?: string };
  const client: Client = { id: `u${++nextId}`, name: auth.name ?? 'anonymous', socket };
  socket.onAny((event: string, ...args: unknown[]) => {
    const ack = args.at(-1);
    const result = room.command(client, event, (args[0] ?? {}) as Record<string, unknown>);
    if (typeof ack === 'function') ack(result ?? { ok: false });
  });
});
http.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
