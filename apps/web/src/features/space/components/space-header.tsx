import type { SessionGrant } from '@huddle/protocol';
import { useEffect, useId, useRef, useState } from 'react';
import { useMembersStore, useRoleOf } from '../../../stores/members-store';
import { InviteDialog } from './invite-dialog';
import { SpaceDialog } from './space-dialog';
import { YouDialog } from './you-dialog';
import '../space.css';

type OpenDialog = 'invite' | 'space' | 'you' | null;

/**
 * The space's controls in the header: invite people (admins), the space (people, settings), and you.
 * On a narrow screen they fold into a menu; the dialogs live outside it, so closing the menu keeps them.
 */
export function SpaceHeader({ grant }: { grant: SessionGrant }) {
  const role = useRoleOf(grant.user.id);
  const memberCount = useMembersStore((s) => Object.keys(s.members).length);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const menuId = useId();
  const root = useRef<HTMLDivElement>(null);

  // The folded menu closes on Escape and on a click anywhere else, as menus do.
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setMenuOpen(false);
    };
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setMenuOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [menuOpen]);

  const open = (next: OpenDialog) => {
    setMenuOpen(false);
    setDialog(next);
  };
  const close = () => setDialog(null);

  return (
    <div className="space-header" ref={root}>
      <button
        type="button"
        className="button button--small button--ghost space-header__toggle"
        aria-label="Menu"
        aria-expanded={menuOpen}
        aria-controls={menuId}
        onClick={() => setMenuOpen((shown) => !shown)}
      >
        <span className="space-header__toggle-icon" aria-hidden="true" />
      </button>
      <div id={menuId} className="space-header__actions" data-open={menuOpen}>
        {role !== 'member' && (
          <button type="button" className="button button--small button--primary" onClick={() => open('invite')}>
            Invite people
          </button>
        )}
        <button type="button" className="button button--small button--ghost" onClick={() => open('space')}>
          Space
          {memberCount > 0 && (
            <span className="space-header__count">
              {memberCount}
              <span className="visually-hidden"> {memberCount === 1 ? 'person' : 'people'}</span>
            </span>
          )}
        </button>
        <button
          type="button"
          className="button button--small button--ghost space-header__you"
          onClick={() => open('you')}
        >
          <span className="avatar" aria-hidden="true">
            {grant.user.name.slice(0, 1).toUpperCase()}
          </span>
          <span className="visually-hidden">You: </span>
          <span data-testid="user-name">{grant.user.name}</span>
        </button>
      </div>
      <InviteDialog open={dialog === 'invite'} onClose={close} space={grant.space} />
      <SpaceDialog open={dialog === 'space'} onClose={close} grant={grant} role={role} />
      <YouDialog open={dialog === 'you'} onClose={close} grant={grant} role={role} />
    </div>
  );
}
