import { COMMAND_NAMES, ErrorCode } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import type { Feature } from '../src/feature.js';
import { composeCommands } from '../src/io/command-registry.js';
import { connectRecorded, join, sendRaw, uniqueSpace, useTestServers } from './helpers.js';

const servers = useTestServers();

describe("the composed app's command registry", () => {
  it('holds exactly one handler for every command of the protocol, each declared by one feature', async () => {
    const { app } = await servers.start();
    expect(Object.keys(app.commands).sort()).toEqual([...COMMAND_NAMES].sort());
    for (const name of COMMAND_NAMES) {
      const owners = app.features.filter((f) => f.commands?.[name]).map((f) => f.name);
      expect(owners, name).toHaveLength(1);
      expect(app.commands[name], name).toBe(app.features.find((f) => f.commands?.[name])?.commands?.[name]);
    }
  });

  it("would not build with any one of the app's handlers left out", async () => {
    const { app } = await servers.start();
    for (const name of COMMAND_NAMES) {
      const without = app.features.map(
        (f): Feature => ({
          ...f,
          commands: Object.fromEntries(Object.entries(f.commands ?? {}).filter(([n]) => n !== name)),
        }),
      );
      expect(() => composeCommands(without), name).toThrow(name);
    }
  });

  it('answers every protocol command over a socket: parsed by its schema, never "Unknown command"', async () => {
    const { url } = await servers.start();
    const grant = await join(url, uniqueSpace(), 'Ana');
    const { socket } = servers.track(await connectRecorded(url, grant.token));
    for (const name of COMMAND_NAMES) {
      // No command takes a bare string: a bound handler refuses it as BAD_REQUEST, an unbound name as NOT_FOUND.
      expect(await sendRaw(socket, name, 'not-a-payload'), name).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BadRequest },
      });
    }
  });

  it('refuses a lone surrogate anywhere in any command as BAD_REQUEST, before the schema, and stores nothing', async () => {
    const { url } = await servers.start();
    const grant = await join(url, uniqueSpace(), 'Ana');
    const { socket } = servers.track(await connectRecorded(url, grant.token));
    const illFormed = { code: ErrorCode.BadRequest, message: expect.stringMatching(/well-formed Unicode/) };
    for (const name of COMMAND_NAMES) {
      expect(await sendRaw(socket, name, 'a\ud800'), name).toMatchObject({ ok: false, error: illFormed });
      // Deep in a field no schema knows: the check walks every string and key, and names the path.
      expect(await sendRaw(socket, name, { extra: [{ deep: 'x\udc00y' }] }), name).toMatchObject({
        ok: false,
        error: { ...illFormed, field: 'extra.0.deep' },
      });
      expect(await sendRaw(socket, name, { 'k\ud83d': 1 }), name).toMatchObject({ ok: false, error: illFormed });
    }
    // Otherwise valid commands: a message or a name with a lone surrogate changes nothing.
    expect(
      await sendRaw(socket, 'chat:send', { conversationId: 'c:general', clientId: 'lone-0001', text: 'hi \ud800' }),
    ).toMatchObject({ ok: false, error: { ...illFormed, field: 'text' } });
    expect(await sendRaw(socket, 'session:rename', { name: 'Ana\udfff' })).toMatchObject({
      ok: false,
      error: { ...illFormed, field: 'name' },
    });
    const history = await sendRaw(socket, 'chat:history', { conversationId: 'c:general' });
    expect(history).toMatchObject({ ok: true, data: { messages: [] } });
    // A surrogate pair is one well-formed character: it goes through, and history shows what was acked.
    const sent = await sendRaw(socket, 'chat:send', {
      conversationId: 'c:general',
      clientId: 'pair-0001',
      text: 'hi \ud83d\ude00',
    });
    expect(sent).toMatchObject({ ok: true, data: { text: 'hi 😀' } });
  });

  it('refuses a lone surrogate in an HTTP body as a 400 BAD_REQUEST naming the field', async () => {
    const { url } = await servers.start();
    const res = await fetch(`${url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // Written as JSON escapes, as a client would send them: the bytes are valid UTF-8, the text is not.
      body: `{"space":"${uniqueSpace()}","name":"Ana\\ud800","create":{"visibility":"open"}}`,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: ErrorCode.BadRequest, field: 'name', message: expect.stringMatching(/well-formed Unicode/) },
    });
  });
});
