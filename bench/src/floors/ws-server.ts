/**
 * Floor 1: a raw `ws` server, the practical upper bound of one Node process here. Each broadcast is
 * encoded once into one buffer and written to every socket. Started by the bench: PORT from the env.
 */
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { createFloorRoom, type FloorClient, floorHttp } from './room.js';

type Client = FloorClient & { ws: WebSocket };

const clients = new Set<Client>();
const frame = (event: string, payload: unknown) => Buffer.from(JSON.stringify({ e: event, d: payload }));

const room = createFloorRoom<Client>({
  broadcast(event, payload) {
    const data = frame(event, payload);
    for (const c of clients) if (c.ws.readyState === WebSocket.OPEN) c.ws.send(data, { binary: false });
  },
  send(client, event, payload) {
    client.ws.send(frame(event, payload), { binary: false });
  },
});

const http = createServer(floorHttp(room));
const wss = new WebSocketServer({ server: http, path: '/ws', perMessageDeflate: false, maxPayload: 64 * 1024 });
let nextId = 0;
wss.on('connection', (ws, req) => {
  const name = new URL(req.url ?? '/', 'http://x').searchParams.get('name') ?? 'anonymous';
  const client: Client = { id: `u${++nextId}`, name, ws };
  clients.add(client);
  ws.on('close', () => clients.delete(client));
  ws.on('message', (data) => {
    const { e, d, id } = JSON.parse(data.toString()) as { e: string; d: Record<string, unknown>; id?: number };
    const result = room.command(client, e, d);
    if (id !== undefined) ws.send(JSON.stringify({ ack: id, d: result ?? { ok: false } }));
  });
});
http.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
