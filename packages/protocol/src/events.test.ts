import { describe, expect, it } from 'vitest';
import { ServerEvent, serverEvents } from './events.js';

describe('server events', () => {
  it('have one handle each, naming its event', () => {
    const handles = Object.values(serverEvents).map((e) => e.handle);
    expect(new Set(handles).size).toBe(handles.length);
    expect(Object.entries(ServerEvent)).toEqual(Object.entries(serverEvents).map(([name, e]) => [e.handle, name]));
  });
});
