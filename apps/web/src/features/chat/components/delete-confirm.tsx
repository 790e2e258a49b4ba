import { type ReactNode, useEffect, useRef } from 'react';

interface DeleteConfirmProps {
  /** What goes, in words. */
  question: string;
  confirmLabel: string;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  /** Shown under the buttons, e.g. why the deletion failed. */
  children?: ReactNode;
}

/** The step before a deletion for everyone: the confirm button takes the focus; Escape cancels. */
export function DeleteConfirm({ question, confirmLabel, pending, onConfirm, onCancel, children }: DeleteConfirmProps) {
  const confirmRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    confirmRef.current?.focus();
  }, []);

  const cancelOnEscape = (event: { key: string }) => {
    if (event.key === 'Escape') onCancel();
  };

  return (
    <div className="chat-confirm">
      <p>{question}</p>
      <div className="chat-confirm__actions">
        <button
          ref={confirmRef}
          type="button"
          className="button button--small chat-button--danger"
          disabled={pending}
          onClick={onConfirm}
          onKeyDown={cancelOnEscape}
        >
          {confirmLabel}
        </button>
        <button
          type="button"
          className="button button--small button--ghost"
          disabled={pending}
          onClick={onCancel}
          onKeyDown={cancelOnEscape}
        >
          Cancel
        </button>
      </div>
      {children}
    </div>
  );
}
