import { COMMAND_NAMES, type CommandName } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { composeCommands } from './command-registry.js';
import type { CommandHandlers } from './types.js';

/** A handler for each of `names`: what a feature declares. */
const handling = (names: readonly CommandName[]): CommandHandlers =>
  Object.fromEntries(names.map((name) => [name, () => null]));

describe('composeCommands', () => {
  it('takes every protocol command from the one feature that declares it', () => {
    const [first, ...rest] = COMMAND_NAMES;
    const a = handling(rest);
    const b = handling(first ? [first] : []);
    const commands = composeCommands([{ name: 'a', commands: a }, { name: 'b', commands: b }, { name: 'no-commands' }]);
    expect(Object.keys(commands).sort()).toEqual([...COMMAND_NAMES].sort());
    if (first) expect(commands[first]).toBe(b[first]);
  });

  it('refuses a protocol command that no feature handles, naming it', () => {
    const missing = COMMAND_NAMES.at(-1) as CommandName;
    const features = [{ name: 'almost', commands: handling(COMMAND_NAMES.filter((n) => n !== missing)) }];
    expect(() => composeCommands(features)).toThrow(`No feature handles these protocol commands: ${missing}`);
  });

  it('refuses a command two features claim', () => {
    const features = [
      { name: 'one', commands: handling(COMMAND_NAMES) },
      { name: 'two', commands: handling(['clock:sync']) },
    ];
    expect(() => composeCommands(features)).toThrow('Command clock:sync is handled by both one and two');
  });
});
