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
});
