import type { AddressInfo } from 'node:net';
import { COMMAND_NAMES, ServerEvent, type SessionGrant } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { connectRecorded, join, send, sendRaw, type TestClient, uniqueSpace, useTestServers } from './helpers.js';

const servers = useTestServers();

function sample(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : Number.NaN;
}

describe('/metrics', () => {
  it('counts sockets, events in and out, ack latency and storage queries in Prometheus format', async () => {
    const { url } = await servers.start();
    const grant = await join(url, uniqueSpace(), 'Ana');
    const ana = servers.track(await connectRecorded(url, grant.token));
    await ana.events.next(ServerEvent.ChatPresence);
    await send(ana.socket, 'chat:send', { conversationId: 'c:general', clientId: 'metrics-1', text: 'hi' });
    await ana.events.next(ServerEvent.ChatMessage);
    await sendRaw(ana.socket, 'no:such-command', {});

    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(sample(text, 'huddle_connected_sockets')).toBe(1);
    expect(sample(text, 'huddle_events_received_total{event="chat:send"}')).toBe(1);
    expect(sample(text, 'huddle_events_received_total{event="unknown"}')).toBe(1);
    expect(sample(text, 'huddle_events_emitted_total{event="chat:message"}')).toBe(1);
    expect(sample(text, 'huddle_command_duration_seconds_count{command="chat:send",outcome="ok"}')).toBe(1);
    expect(sample(text, 'huddle_storage_query_duration_seconds_count{kind="insert",outcome="query"}')).toBeGreaterThan(
      0,
    );
    expect(sample(text, 'huddle_adapter_errors_total')).toBe(0);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('lists every command of the protocol from the first scrape, at 0, before any was sent', async () => {
    const { url } = await servers.start();
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const command of COMMAND_NAMES) {
      expect(sample(text, `huddle_events_received_total{event="${command}"}`), command).toBe(0);
      expect(sample(text, `huddle_command_duration_seconds_count{command="${command}",outcome="ok"}`), command).toBe(0);
    }
  });

  it('counts a broadcast once per recipient: every socket of the space, no one outside it', async () => {
    const { url } = await servers.start();
    const space = uniqueSpace();
    const open = async (grant: SessionGrant) => {
      const tab = servers.track(await connectRecorded(url, grant.token));
      await tab.events.next(ServerEvent.ChatPresence, (p) => 'users' in p);
      return tab;
    };
    const anaGrant = await join(url, space, 'Ana');
    const inSpace = [
      await open(anaGrant),
      await open(anaGrant), // Ana's second tab is a recipient of its own
      await open(await join(url, space, 'Bo')),
      await open(await join(url, space, 'Cy')),
    ];
    const outsider = await open(await join(url, uniqueSpace('other'), 'Dee'));
    // No line at all before the first delivery.
    const delivered = async () =>
      sample(await (await fetch(`${url}/metrics`)).text(), 'huddle_events_emitted_total{event="chat:message"}') || 0;

    for (const [i, sender] of [inSpace[0], inSpace[2]].entries()) {
      const before = await delivered();
      const clientId = `per-recipient-${i}`;
      const ack = await send(sender?.socket as TestClient, 'chat:send', {
        conversationId: 'c:general',
        clientId,
        text: `broadcast ${i}`,
      });
      expect(ack.ok).toBe(true);
      await Promise.all(inSpace.map((tab) => tab.events.next(ServerEvent.ChatMessage, (m) => m.clientId === clientId)));
      expect(await delivered()).toBe(before + inSpace.length);
    }
    expect(outsider.events.count(ServerEvent.ChatMessage)).toBe(0);
  });

  it('with METRICS_PORT, answers on that port only: the public port has no /metrics', async () => {
    const { url, app } = await servers.start({ metricsPort: 0 });
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    const metricsAddress = app.metricsHttp?.address() as AddressInfo | undefined;
    if (!metricsAddress) throw new Error('no metrics server');
    const { port } = metricsAddress;
    expect(port).not.toBe(Number(new URL(url).port));
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('huddle_connected_sockets');
    expect((await fetch(`http://127.0.0.1:${port}/api/sessions`)).status).toBe(404);
  });

  it('answers only the METRICS_TOKEN bearer when one is set', async () => {
    const token = 'metrics-token-0123456789';
    const { url } = await servers.start({ metricsToken: token });
    const scrape = (authorization?: string) =>
      fetch(`${url}/metrics`, authorization ? { headers: { authorization } } : {});

    const anonymous = await scrape();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect((await scrape('Bearer wrong-token-0123456789')).status).toBe(401);
    expect((await scrape(`Basic ${token}`)).status).toBe(401);

    const allowed = await scrape(`Bearer ${token}`);
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('huddle_connected_sockets');
  });
});
