import {
  type FormEvent,
  type KeyboardEvent,
  type ReactNode,
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import { isStaleAck } from '../../../lib/socket';
import { deleteMessage, editMessage } from '../commands';
import { DeleteConfirm } from './delete-confirm';

/** The editor grows with the text up to this many pixels, then scrolls. */
const MAX_EDITOR_HEIGHT_PX = 200;

interface MessageActionsProps {
  conversationId: string;
  seq: number;
  text: string;
  canEdit: boolean;
  canDelete: boolean;
  /** The message as shown when it is not being edited. */
  body: ReactNode;
}

type Mode = 'idle' | 'editing' | 'confirming';

/**
 * A stored message with its actions: Edit (in place: Enter saves, Escape cancels) and Delete (after a
 * confirmation). The buttons show on hover and on keyboard focus; focus stays in the flow between steps.
 */
export function MessageActions({ conversationId, seq, text, canEdit, canDelete, body }: MessageActionsProps) {
  const [mode, setMode] = useState<Mode>('idle');
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const editRef = useRef<HTMLButtonElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const previous = useRef<Mode>('idle');

  // The button pressed disappears with the step it starts: keep the keyboard focus where the user is.
  useEffect(() => {
    if (mode === 'idle' && previous.current === 'editing') editRef.current?.focus();
    else if (mode === 'idle' && previous.current === 'confirming') deleteRef.current?.focus();
    previous.current = mode;
  }, [mode]);

  function open(next: Mode) {
    setProblem(null);
    setMode(next);
  }

  async function save(draft: string) {
    if (draft.trim() === text) {
      open('idle');
      return;
    }
    setPending(true);
    const ack = await editMessage(conversationId, seq, draft);
    setPending(false);
    if (ack.ok) open('idle');
    else if (!isStaleAck(ack)) setProblem(ack.error.message);
  }

  async function remove() {
    setPending(true);
    const ack = await deleteMessage(conversationId, seq);
    setPending(false);
    // Deleted, the message shows without its actions: this component goes with them.
    if (!ack.ok && !isStaleAck(ack)) setProblem(ack.error.message);
  }

  if (mode === 'editing') {
    return (
      <MessageEditor
        initial={text}
        pending={pending}
        problem={problem}
        onSave={(draft) => void save(draft)}
        onCancel={() => open('idle')}
      />
    );
  }

  return (
    <>
      {body}
      {mode === 'confirming' ? (
        <DeleteConfirm
          question="Delete this message for everyone? This cannot be undone."
          confirmLabel="Delete for everyone"
          pending={pending}
          onConfirm={() => void remove()}
          onCancel={() => open('idle')}
        >
          {problem !== null && (
            <p className="chat-confirm__problem" role="alert">
              {problem}
            </p>
          )}
        </DeleteConfirm>
      ) : (
        <div className="chat-message__actions">
          {canEdit && (
            <button
              ref={editRef}
              type="button"
              className="chat-action"
              aria-label="Edit message"
              onClick={() => open('editing')}
            >
              Edit
            </button>
          )}
          {canDelete && (
            <button
              ref={deleteRef}
              type="button"
              className="chat-action"
              aria-label="Delete message"
              onClick={() => open('confirming')}
            >
              Delete
            </button>
          )}
        </div>
      )}
    </>
  );
}

interface MessageEditorProps {
  initial: string;
  pending: boolean;
  problem: string | null;
  onSave: (text: string) => void;
  onCancel: () => void;
}

function MessageEditor({ initial, pending, problem, onSave, onCancel }: MessageEditorProps) {
  const id = useId();
  const [draft, setDraft] = useState(initial);
  const textareaRef = useRef<HTMLTextAreaElement>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: measured again whenever the text changes
  useLayoutEffect(() => {
    const textarea = textareaRef.current;
    if (textarea === null) return;
    textarea.style.height = 'auto';
    textarea.style.height = `${Math.min(textarea.scrollHeight + 2, MAX_EDITOR_HEIGHT_PX)}px`;
  }, [draft]);

  // Opened with the caret at the end of the text, ready to type.
  useEffect(() => {
    const textarea = textareaRef.current;
    textarea?.focus();
    textarea?.setSelectionRange(textarea.value.length, textarea.value.length);
  }, []);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onSave(draft);
  }

  function handleKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Escape') {
      event.preventDefault();
      onCancel();
      return;
    }
    // Enter while an input method is composing picks a candidate; it does not save.
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    onSave(draft);
  }

  return (
    <form className="chat-edit" onSubmit={handleSubmit}>
      <label className="visually-hidden" htmlFor={`${id}-text`}>
        Edit message
      </label>
      <textarea
        ref={textareaRef}
        id={`${id}-text`}
        className="chat-edit__input"
        rows={1}
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={handleKeyDown}
        aria-invalid={problem !== null ? true : undefined}
        aria-describedby={problem === null ? undefined : `${id}-problem`}
        enterKeyHint="done"
      />
      <div className="chat-edit__footer">
        <p className="chat-edit__hint">
          <kbd>Enter</kbd> to save, <kbd>Esc</kbd> to cancel
        </p>
        <button type="button" className="button button--small button--ghost" onClick={onCancel} disabled={pending}>
          Cancel
        </button>
        <button type="submit" className="button button--small button--primary" disabled={pending}>
          Save
        </button>
      </div>
      {problem !== null && (
        <p id={`${id}-problem`} className="chat-edit__problem" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
