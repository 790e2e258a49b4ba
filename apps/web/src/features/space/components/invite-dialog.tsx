import type { CreatedInvite, Invite } from '@huddle/protocol';
import { useEffect, useId, useState } from 'react';
import { InlineAlert } from '../../../components/ui/inline-alert';
import { ModalDialog } from '../../../components/ui/modal-dialog';
import { useCommand } from '../../../hooks/use-command';
import { useServerNow } from '../../../hooks/use-server-now';
import { inviteLink } from '../../../lib/join-link';
import { isStaleAck } from '../../../lib/socket';
import { createInvite, listInvites, revokeInvite } from '../commands';
import { EXPIRY_OPTIONS, USE_OPTIONS, usesText } from '../lib/invite-options';
import { expiresText } from '../lib/time-text';
import { CopyField } from './copy-field';
import { DialogSection } from './dialog-section';

const DEFAULT_EXPIRY = EXPIRY_OPTIONS[2].hours;

export function InviteDialog({ open, onClose, space }: { open: boolean; onClose: () => void; space: string }) {
  return (
    <ModalDialog open={open} onClose={onClose} title="Invite people" testId="invite-dialog">
      <InviteForm space={space} />
    </ModalDialog>
  );
}

function InviteForm({ space }: { space: string }) {
  const id = useId();
  const [hours, setHours] = useState<number>(DEFAULT_EXPIRY);
  const [uses, setUses] = useState<number | null>(null);
  const [created, setCreated] = useState<CreatedInvite | null>(null);
  const [invites, setInvites] = useState<readonly Invite[] | null>(null);
  const { pending, run, feedback } = useCommand();

  useEffect(() => {
    let current = true;
    void listInvites().then((ack) => {
      if (!current || isStaleAck(ack)) return;
      if (ack.ok) setInvites(ack.data.invites);
      else feedback.show(ack.error.message);
    });
    return () => {
      current = false;
    };
  }, [feedback.show]);

  async function create() {
    const ack = await run(() => createInvite({ expiresInHours: hours, maxUses: uses }));
    if (!ack?.ok) return;
    const { code: _secret, ...invite } = ack.data;
    setCreated(ack.data);
    setInvites((list) => [invite, ...(list ?? []).filter((i) => i.id !== invite.id)]);
  }

  async function revoke(inviteId: string) {
    const ack = await run(() => revokeInvite(inviteId));
    if (!ack?.ok) return;
    setInvites(ack.data.invites);
    if (created?.id === inviteId) setCreated(null);
  }

  return (
    <>
      <p className="space-dialog__lead">
        Anyone with an invite link can join this space until it expires or is used up. The link is shown only once.
      </p>
      <div className="invite-form">
        <div className="field">
          <label className="field__label" htmlFor={`${id}-expiry`}>
            Expires after
          </label>
          <select
            id={`${id}-expiry`}
            className="field__input"
            value={hours}
            onChange={(event) => setHours(Number(event.target.value))}
          >
            {EXPIRY_OPTIONS.map((option) => (
              <option key={option.hours} value={option.hours}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-uses`}>
            Can be used by
          </label>
          <select
            id={`${id}-uses`}
            className="field__input"
            value={uses ?? ''}
            onChange={(event) => setUses(event.target.value === '' ? null : Number(event.target.value))}
          >
            {USE_OPTIONS.map((option) => (
              <option key={option.label} value={option.uses ?? ''}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          className="button button--primary invite-form__create"
          disabled={pending}
          onClick={create}
        >
          {pending ? 'Creating…' : 'Create link'}
        </button>
      </div>
      {created !== null && (
        <CopyField
          label="Invite link"
          value={inviteLink(window.location.origin, space, created.code)}
          testId="invite-link"
        />
      )}
      <InlineAlert flash={feedback.flash} onDismiss={feedback.dismiss} />
      <InviteList invites={invites} pending={pending} onRevoke={revoke} />
    </>
  );
}

function InviteList({
  invites,
  pending,
  onRevoke,
}: {
  invites: readonly Invite[] | null;
  pending: boolean;
  onRevoke: (inviteId: string) => void;
}) {
  const now = useServerNow(60_000);
  return (
    <DialogSection title="Live invites">
      {invites === null ? (
        <p className="space-dialog__muted">Loading…</p>
      ) : invites.length === 0 ? (
        <p className="space-dialog__muted">No live invites.</p>
      ) : (
        <ul className="row-list" data-testid="invite-list">
          {invites.map((invite) => (
            <li key={invite.id} className="row-list__item">
              <div className="row-list__main">
                <span className="row-list__title">By {invite.createdBy.name}</span>
                <span className="row-list__detail">
                  {usesText(invite)} · {expiresText(invite.expiresAt, now)}
                </span>
              </div>
              <button
                type="button"
                className="button button--small"
                disabled={pending}
                onClick={() => onRevoke(invite.id)}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
    </DialogSection>
  );
}
