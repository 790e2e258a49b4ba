import { type Device, type DeviceLink, displayNameSchema, type Role, type SessionGrant } from '@huddle/protocol';
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { Field } from '../../../components/ui/field';
import { InlineAlert } from '../../../components/ui/inline-alert';
import { ModalDialog } from '../../../components/ui/modal-dialog';
import { useCommand } from '../../../hooks/use-command';
import { useServerNow } from '../../../hooks/use-server-now';
import { deviceLink } from '../../../lib/join-link';
import { signOutOtherDevices } from '../../../lib/sign-out-other-devices';
import { isStaleAck } from '../../../lib/socket';
import { useConnectionStore } from '../../../stores/connection-store';
import { leaveSpace, linkAnotherDevice, listDevices, renameMe, signOut } from '../commands';
import { agoText, countdownText } from '../lib/time-text';
import { ConfirmStep } from './confirm-step';
import { CopyField } from './copy-field';
import { DialogSection } from './dialog-section';

interface YouDialogProps {
  open: boolean;
  onClose: () => void;
  grant: SessionGrant;
  role: Role;
}

/** You in this space: your name, your signed-in devices, linking another one, signing out and leaving. */
export function YouDialog({ open, onClose, grant, role }: YouDialogProps) {
  return (
    <ModalDialog open={open} onClose={onClose} title="You" testId="you-dialog">
      <RenameForm name={grant.user.name} />
      <Devices />
      <LinkDevice space={grant.space} />
      <SignOutOrLeave space={grant.space} role={role} />
    </ModalDialog>
  );
}

function RenameForm({ name }: { name: string }) {
  const id = useId();
  const [draft, setDraft] = useState(name);
  const [error, setError] = useState<string | undefined>();
  const { pending, run, feedback } = useCommand();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = displayNameSchema.safeParse(draft);
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message);
      return;
    }
    setError(undefined);
    const ack = await run(() => renameMe(parsed.data));
    if (ack?.ok) feedback.show('Name changed', 'info');
  }

  return (
    <section className="space-dialog__section">
      <form className="inline-form" onSubmit={onSubmit} noValidate>
        <Field
          id={`${id}-name`}
          label="Your name"
          className="inline-form__field"
          autoComplete="nickname"
          maxLength={64}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          error={error}
          hint="Everyone sees the new name, in history too."
        />
        <button type="submit" className="button" disabled={pending || draft.trim() === name}>
          {pending ? 'Saving…' : 'Rename'}
        </button>
      </form>
      <InlineAlert flash={feedback.flash} onDismiss={feedback.dismiss} />
    </section>
  );
}

function Devices() {
  const [devices, setDevices] = useState<readonly Device[] | null>(null);
  const { pending, run, feedback } = useCommand();
  const now = useServerNow(60_000);

  const refresh = useCallback(async () => {
    const ack = await listDevices();
    if (isStaleAck(ack)) return;
    if (ack.ok) setDevices(currentFirst(ack.data.devices));
    else feedback.show(ack.error.message);
  }, [feedback.show]);

  // Read on open, and again after each reconnect (signing out other devices reconnects this tab).
  const connected = useConnectionStore((s) => s.phase === 'connected');
  useEffect(() => {
    if (connected) void refresh();
  }, [connected, refresh]);

  async function signOutDevice(deviceId: string) {
    const ack = await run(() => signOut(deviceId));
    if (ack?.ok) await refresh();
  }

  async function signOutOthers() {
    const result = await signOutOtherDevices();
    feedback.show(result.message, result.ok ? 'info' : 'error');
  }

  return (
    <DialogSection title="Your devices">
      {devices === null ? (
        <p className="space-dialog__muted">Loading…</p>
      ) : (
        <ul className="row-list" data-testid="device-list">
          {devices.map((device) => (
            <li key={device.id} className="row-list__item">
              <div className="row-list__main">
                <span className="row-list__title">
                  {device.label}
                  {device.current && <span className="device__current">This device</span>}
                </span>
                <span className="row-list__detail">
                  {device.current ? 'Here now' : `Last seen ${agoText(device.lastSeenAt, now)}`}
                </span>
              </div>
              {!device.current && (
                <button
                  type="button"
                  className="button button--small"
                  disabled={pending}
                  onClick={() => signOutDevice(device.id)}
                >
                  Sign out
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {/* Shown with one device listed too: it also ends a copy of this device's session (a stolen token). */}
      <div>
        <button type="button" className="button button--small" disabled={pending} onClick={signOutOthers}>
          Sign out other devices
        </button>
      </div>
      <InlineAlert flash={feedback.flash} onDismiss={feedback.dismiss} />
    </DialogSection>
  );
}

/** This device first, then the others, most recently seen first. */
function currentFirst(devices: readonly Device[]): Device[] {
  return [...devices].sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt - a.lastSeenAt);
}

function LinkDevice({ space }: { space: string }) {
  const [link, setLink] = useState<DeviceLink | null>(null);
  const { pending, run, feedback } = useCommand();
  const now = useServerNow(link === null ? null : 1000);
  const left = link === null ? 0 : link.expiresAt - now;

  async function create() {
    const ack = await run(linkAnotherDevice);
    if (ack?.ok) setLink(ack.data);
  }

  return (
    <DialogSection title="Link another device">
      <p className="space-dialog__muted">
        Open this link in another browser to sign it in as you, without a password. It works once, for 10 minutes.
      </p>
      {link !== null && left > 0 ? (
        <CopyField
          label="Sign-in link"
          value={deviceLink(window.location.origin, space, link.code)}
          testId="device-link"
          note={<span data-testid="device-link-countdown">Expires in {countdownText(left)}</span>}
        />
      ) : (
        <div>
          {link !== null && <p className="space-dialog__muted">That link has expired.</p>}
          <button type="button" className="button button--small" disabled={pending} onClick={create}>
            {link === null ? 'Create a sign-in link' : 'Create a new link'}
          </button>
        </div>
      )}
      <InlineAlert flash={feedback.flash} onDismiss={feedback.dismiss} />
    </DialogSection>
  );
}

function SignOutOrLeave({ space, role }: { space: string; role: Role }) {
  const [confirmLeave, setConfirmLeave] = useState(false);
  const { pending, run, feedback } = useCommand();
  const owner = role === 'owner';
  return (
    <DialogSection title="Sign out or leave">
      <div className="settings-form__actions">
        <button type="button" className="button" disabled={pending} onClick={() => run(() => signOut())}>
          Sign out
        </button>
        <button
          type="button"
          className="button button--danger"
          disabled={pending || owner}
          aria-expanded={confirmLeave}
          onClick={() => setConfirmLeave((shown) => !shown)}
        >
          Leave space
        </button>
      </div>
      {owner && (
        <p className="space-dialog__muted">
          You own this space: make someone else the owner (Space → People) to leave it.
        </p>
      )}
      {confirmLeave && !owner && (
        <ConfirmStep
          question={`Leave ${space}? Your name is free again, and you need a new invite to come back if the space is private.`}
          confirmLabel={`Leave ${space}`}
          tone="danger"
          pending={pending}
          onConfirm={() => run(leaveSpace)}
          onCancel={() => setConfirmLeave(false)}
        />
      )}
      <InlineAlert flash={feedback.flash} onDismiss={feedback.dismiss} />
    </DialogSection>
  );
}
