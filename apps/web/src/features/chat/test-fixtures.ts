import type { ConversationView, PublicUser } from '@huddle/protocol';

/** Users and the default channel shared by the chat tests. */
export const ana: PublicUser = { id: 'u-ana', name: 'Ana' };
export const bo: PublicUser = { id: 'u-bo', name: 'Bo' };
export const cy: PublicUser = { id: 'u-cy', name: 'Cy' };

export const general: ConversationView = {
  id: 'c:general',
  kind: 'channel',
  name: 'general',
  lastSeq: 0,
  unread: 0,
  lastReadSeq: 0,
};
