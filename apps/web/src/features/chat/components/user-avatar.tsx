import type { PublicUser } from '@huddle/protocol';
import type { CSSProperties } from 'react';
import { userHue } from '../lib/user-hue';

/** The initial on a colour of its own; decorative, the name is always written beside it. */
export function UserAvatar({ user, size = 'medium' }: { user: PublicUser; size?: 'small' | 'medium' }) {
  const style = { '--avatar-hue': userHue(user.id) } as CSSProperties;
  return (
    <span className={`avatar chat-avatar chat-avatar--${size}`} style={style} aria-hidden="true">
      {[...user.name][0]?.toUpperCase()}
    </span>
  );
}
