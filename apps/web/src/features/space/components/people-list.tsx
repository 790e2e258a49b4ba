import type { Member, Role } from '@huddle/protocol';
import { useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { InlineAlert } from '../../../components/ui/inline-alert';
import { useCommand } from '../../../hooks/use-command';
import { useMembersStore } from '../../../stores/members-store';
import { removeMember, setRole } from '../commands';
import { type MemberActions, memberActions, ROLE_LABELS, sortMembers } from '../lib/member-actions';
import { ConfirmStep } from './confirm-step';

type Confirming = { userId: string; action: 'remove' | 'hand-over' } | null;

/** Everyone in the space with their role; the owner and admins moderate from here. */
export function PeopleList({ me, role }: { me: string; role: Role }) {
  const members = useMembersStore(useShallow((s) => Object.values(s.members)));
  const visibility = useMembersStore((s) => s.settings?.visibility);
  const [confirming, setConfirming] = useState<Confirming>(null);
  const { pending, run, feedback } = useCommand();

  async function act(command: Parameters<typeof run>[0]) {
    const ack = await run(command);
    if (ack?.ok) setConfirming(null);
  }

  return (
    <div className="people">
      {visibility !== undefined && (
        <p className="space-dialog__muted">
          {visibility === 'private'
            ? 'A private space: only people with an invite can join.'
            : 'An open space: anyone with its address can join.'}
        </p>
      )}
      <InlineAlert flash={feedback.flash} onDismiss={feedback.dismiss} />
      {members.length === 0 ? (
        <p className="space-dialog__muted">Loading…</p>
      ) : (
        <ul className="row-list" data-testid="member-list">
          {sortMembers(members).map((member) => (
            <MemberRow
              key={member.id}
              member={member}
              isMe={member.id === me}
              actions={memberActions({ id: me, role }, member)}
              confirming={confirming?.userId === member.id ? confirming.action : null}
              pending={pending}
              onConfirm={(action) => setConfirming(action === null ? null : { userId: member.id, action })}
              onRoleChange={(next) => act(() => setRole(member.id, next))}
              onRemove={(block) => act(() => removeMember(member.id, block))}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

interface MemberRowProps {
  member: Member;
  isMe: boolean;
  actions: MemberActions;
  confirming: 'remove' | 'hand-over' | null;
  pending: boolean;
  onConfirm: (action: 'remove' | 'hand-over' | null) => void;
  onRoleChange: (role: Role) => void;
  onRemove: (block: boolean) => void;
}

function MemberRow({ member, isMe, actions, confirming, pending, onConfirm, onRoleChange, onRemove }: MemberRowProps) {
  const blockId = useId();
  const [block, setBlock] = useState(false);
  const { changeRoleTo, handOver, remove } = actions;
  return (
    <li className="row-list__item member-row" data-testid="member-row">
      <span className="avatar" aria-hidden="true">
        {member.name.slice(0, 1).toUpperCase()}
      </span>
      <div className="row-list__main">
        <span className="row-list__title">
          <span data-testid="member-name">{member.name}</span>
          {isMe && <span className="member-row__you"> (you)</span>}
        </span>
      </div>
      <span className={`role-badge role-badge--${member.role}`} data-testid="member-role">
        {ROLE_LABELS[member.role]}
      </span>
      {(changeRoleTo !== null || handOver || remove) && (
        <div className="member-row__actions">
          {changeRoleTo !== null && (
            <button
              type="button"
              className="button button--small"
              disabled={pending}
              onClick={() => onRoleChange(changeRoleTo)}
            >
              {changeRoleTo === 'admin' ? 'Make admin' : 'Make member'}
            </button>
          )}
          {handOver && (
            <button
              type="button"
              className="button button--small"
              disabled={pending}
              aria-expanded={confirming === 'hand-over'}
              onClick={() => onConfirm(confirming === 'hand-over' ? null : 'hand-over')}
            >
              Make owner
            </button>
          )}
          {remove && (
            <button
              type="button"
              className="button button--small button--danger"
              disabled={pending}
              aria-expanded={confirming === 'remove'}
              onClick={() => onConfirm(confirming === 'remove' ? null : 'remove')}
            >
              Remove
            </button>
          )}
        </div>
      )}
      {confirming === 'hand-over' && (
        <ConfirmStep
          question={`Make ${member.name} the owner of this space? You become an admin, and only they can hand it back.`}
          confirmLabel="Hand over"
          tone="primary"
          pending={pending}
          onConfirm={() => onRoleChange('owner')}
          onCancel={() => onConfirm(null)}
        />
      )}
      {confirming === 'remove' && (
        <ConfirmStep
          question={`Remove ${member.name}? Their tabs close at once, and their name is free again.`}
          confirmLabel={`Remove ${member.name}`}
          tone="danger"
          pending={pending}
          onConfirm={() => onRemove(block)}
          onCancel={() => onConfirm(null)}
        >
          <label className="checkbox" htmlFor={blockId}>
            <input id={blockId} type="checkbox" checked={block} onChange={(event) => setBlock(event.target.checked)} />
            Also block them: the browsers they used cannot come back, even with an invite
          </label>
        </ConfirmStep>
      )}
    </li>
  );
}
