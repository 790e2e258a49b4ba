import { once } from 'node:events';
import net from 'node:net';

/**
 * A TCP proxy in front of the Redis at `redisUrl`, for one node: point the node's REDIS_URL at its
 * `port`. `cut` resets its connections and resets every new one (counted in `refused`) until `restore`,
 * as a network cut between that node and Redis would; Redis and the other nodes carry on. `open` counts
 * the sockets it holds (both ends of each connection). (redis-blackhole.test.ts has a proxy of its own:
 * one that holds bytes and closes nothing.)
 */
export async function startRedisProxy(redisUrl: string) {
  const target = new URL(redisUrl);
  let cut = false;
  let refused = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    client.on('error', () => client.destroy());
    if (cut) {
      refused += 1;
      return void client.destroy();
    }
    const upstream = net.connect({ host: target.hostname, port: Number(target.port || 6379) });
    upstream.on('error', () => upstream.destroy());
    for (const end of [client, upstream]) {
      open.add(end);
      end.on('close', () => {
        open.delete(end);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const destroyAll = () => {
    for (const s of open) s.destroy();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    get open() {
      return open.size;
    },
    get refused() {
      return refused;
    },
    cut() {
      cut = true;
      destroyAll();
    },
    restore() {
      cut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        destroyAll();
        server.close(() => resolve());
      }),
  };
}

export type RedisProxy = Awaited<ReturnType<typeof startRedisProxy>>;
