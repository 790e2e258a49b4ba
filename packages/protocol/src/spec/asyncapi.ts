import { ackSchema } from '../ack.js';
import { commands, serverEvents } from '../events.js';
import { handshakeAuthSchema, handshakeErrorSchema } from '../schemas/session.js';
import { PROTOCOL_VERSION } from '../version.js';
import { convert, type JsonSchema } from './json-schemas.js';

const CHANNEL = 'space';
const channelRef = { $ref: `#/channels/${CHANNEL}` };
/**
 * Component keys allow `[A-Za-z0-9.\-_]`, and a command and an event may share a name (`chat:typing`): the
 * command `chat:send` is `send.chat.send`, the event `chat:message` is `receive.chat.message`; a message's
 * `name` is the Socket.IO event name.
 */
export const idOf = (action: 'send' | 'receive', event: string) => `${action}.${event.replaceAll(':', '.')}`;
const messageRef = (id: string) => ({ $ref: `#/channels/${CHANNEL}/messages/${id}` });

/** The Socket.IO protocol as an AsyncAPI 3.0 document, from the command and server event tables. */
export function buildAsyncApi() {
  const commandList = Object.entries(commands).map(([name, spec]) => ({ name, ...spec, ack: ackSchema(spec.result) }));
  const eventList = Object.entries(serverEvents).map(([name, spec]) => ({ name, ...spec }));
  // AsyncAPI's default schema format is a superset of JSON Schema draft 07.
  const schemas = convert(
    [
      handshakeAuthSchema,
      handshakeErrorSchema,
      ...commandList.flatMap((c) => [c.payload, c.ack]),
      ...eventList.map((e) => e.payload),
    ],
    'draft-07',
    '#/components/schemas/',
  );

  const messages: Record<string, JsonSchema> = {
    handshake: {
      name: 'connect',
      title: 'Handshake auth',
      summary: 'The `auth` of the Socket.IO handshake: `io(url, { auth: { token, protocolVersion } })`.',
      payload: schemas.schemaOf(handshakeAuthSchema),
    },
    connect_error: {
      name: 'connect_error',
      title: 'Handshake refused',
      summary:
        'A refused handshake: `err.data` of `connect_error`. UNAUTHORIZED: join again; PROTOCOL_MISMATCH: reload; UNAVAILABLE: retry; RATE_LIMITED: too many connections from this address, retry later.',
      payload: schemas.schemaOf(handshakeErrorSchema),
    },
  };
  const operations: Record<string, JsonSchema> = {
    handshake: {
      action: 'send',
      channel: channelRef,
      summary: 'Connect with a session token; accepted, the server sends `session:welcome` then every snapshot.',
      messages: [messageRef('handshake')],
      reply: {
        channel: channelRef,
        messages: [messageRef('connect_error'), messageRef(idOf('receive', 'session:welcome'))],
      },
    },
  };
  for (const { name, ...spec } of commandList) {
    const id = idOf('send', name);
    messages[id] = { name, title: name, summary: spec.summary, payload: schemas.schemaOf(spec.payload) };
    messages[`${id}.ack`] = {
      name: `${name} ack`,
      title: `${name} ack`,
      summary: 'The acknowledgement callback: `{ ok: true, data }` or `{ ok: false, error }`.',
      payload: schemas.schemaOf(spec.ack),
    };
    operations[id] = {
      action: 'send',
      channel: channelRef,
      summary: spec.summary,
      messages: [messageRef(id)],
      reply: { channel: channelRef, messages: [messageRef(`${id}.ack`)] },
      'x-rate-class': spec.rateClass,
    };
  }
  for (const { name, ...spec } of eventList) {
    const id = idOf('receive', name);
    messages[id] = { name, title: name, summary: spec.description, payload: schemas.schemaOf(spec.payload) };
    operations[id] = { action: 'receive', channel: channelRef, summary: spec.description, messages: [messageRef(id)] };
  }

  const body = {
    channels: {
      [CHANNEL]: {
        address: '/',
        title: 'A space',
        description:
          "Socket.IO's default namespace. The handshake's session token says which space and user a connection belongs to; the server sends to the space, to all of a user's tabs, or to one connection.",
        messages: Object.fromEntries(Object.keys(messages).map((id) => [id, { $ref: `#/components/messages/${id}` }])),
      },
    },
    operations,
    components: { messages },
  };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Huddle realtime protocol',
      version: String(PROTOCOL_VERSION),
      description:
        'Socket.IO events between the Huddle web app and server, generated from `packages/protocol` (`pnpm --filter @huddle/protocol spec`). Every command takes one payload object and an acknowledgement callback; payloads are strict (an unknown field is BAD_REQUEST and changes nothing), and every string in them must be well-formed UTF-16 (a lone surrogate is BAD_REQUEST). The version is `PROTOCOL_VERSION`, checked at the handshake.',
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    ...body,
    components: { ...body.components, schemas: schemas.componentsUsedBy(body) },
  };
}
