import { useState } from 'react';
import { signOutOtherDevices } from '../../../lib/sign-out-other-devices';

/** "Sign out other devices": a stolen or forgotten session stops working at once. */
export function SignOutOthers() {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);

  async function onClick() {
    setBusy(true);
    setResult(await signOutOtherDevices());
    setBusy(false);
  }

  return (
    <div className="sign-out-others">
      <button type="button" className="button button--small button--ghost" disabled={busy} onClick={onClick}>
        {busy ? 'Signing out…' : 'Sign out other devices'}
      </button>
      <span role="status" className={result && !result.ok ? 'sign-out-others__error' : 'sign-out-others__done'}>
        {result?.message ?? ''}
      </span>
    </div>
  );
}
