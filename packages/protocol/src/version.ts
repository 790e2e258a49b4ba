/** Bumped on any breaking change to events or payloads; the server refuses other versions at handshake. */
export const PROTOCOL_VERSION = 3;
