import type { Flash } from '../../hooks/use-flash-message';

interface InlineAlertProps {
  flash: Flash | null;
  onDismiss: () => void;
}

/**
 * A short message next to the control it is about. The polite live region stays mounted so
 * confirmations are announced; errors are alerts. (No role="status": that one is the connection's.)
 */
export function InlineAlert({ flash, onDismiss }: InlineAlertProps) {
  return (
    <div className="inline-alert-slot" aria-live="polite">
      {flash !== null && (
        <div className={`inline-alert inline-alert--${flash.tone}`} role={flash.tone === 'error' ? 'alert' : undefined}>
          <span className="inline-alert__text">{flash.text}</span>
          <button type="button" className="inline-alert__dismiss" onClick={onDismiss} aria-label="Dismiss message">
            ×
          </button>
        </div>
      )}
    </div>
  );
}
