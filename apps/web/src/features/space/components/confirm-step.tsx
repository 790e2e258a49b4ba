import type { ReactNode } from 'react';

interface ConfirmStepProps {
  question: string;
  confirmLabel: string;
  /** The confirm button's look: a plain primary action, or one that cannot be undone. */
  tone: 'primary' | 'danger';
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  /** An option of the action, between the question and the buttons. */
  children?: ReactNode;
}

/** The step before an action on a person or on the space: the question, then confirm or cancel. */
export function ConfirmStep({
  question,
  confirmLabel,
  tone,
  pending,
  onConfirm,
  onCancel,
  children,
}: ConfirmStepProps) {
  return (
    <div className="member-row__confirm">
      <p>{question}</p>
      {children}
      <div className="member-row__confirm-actions">
        <button
          type="button"
          className={`button button--small ${tone === 'danger' ? 'button--danger-solid' : 'button--primary'}`}
          disabled={pending}
          onClick={onConfirm}
        >
          {confirmLabel}
        </button>
        <button type="button" className="button button--small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
