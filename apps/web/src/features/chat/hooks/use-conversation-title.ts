import type { Conversation } from '@huddle/protocol';
import { useMemberName } from '../../../stores/members-store';

/** "#general", or the peer's current name for a direct conversation (a rename shows at once). */
export function useConversationTitle(info: Conversation | undefined): string {
  const peer = info?.kind === 'direct' ? info.peer : { id: '', name: '' };
  const peerName = useMemberName(peer.id, peer.name);
  if (info === undefined) return '';
  return info.kind === 'channel' ? `#${info.name}` : peerName;
}
