import { CHAT_LIMITS } from '@huddle/protocol';
import { type FormEvent, type KeyboardEvent, useId, useLayoutEffect, useRef, useState } from 'react';
import { notifyTyping, sendMessage } from '../commands';
import { useChatStore } from '../stores/chat-store';

/** The counter appears this many characters before the limit. */
const COUNTER_MARGIN = 200;
/** The box grows with the text up to this many pixels, then scrolls. */
const MAX_HEIGHT_PX = 200;

interface ComposerProps {
  conversationId: string;
  /** "#general" or the peer's name. */
  title: string;
}

export function Composer({ conversationId, title }: ComposerProps) {
  const id = useId();
  const draft = useChatStore((s) => s.drafts[conversationId] ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  // Counted as the server counts: code points of the trimmed text.
  const length = [...draft.replace(/\r\n?/g, '\n').trim()].length;
  const over = length > CHAT_LIMITS.maxMessageChars;
  const showCounter = length >= CHAT_LIMITS.maxMessageChars - COUNTER_MARGIN;
  const canSend = length > 0 && !over;
  const counterId = `${id}-counter`;
  const problemId = `${id}-problem`;
  const describedBy = [problem === null ? null : problemId, showCounter ? counterId : null].filter(Boolean).join(' ');

  useLayoutEffect(() => {
    const textarea = textareaRef.current;
    if (textarea === null) return;
    textarea.style.height = 'auto';
    // Empty, it keeps its one-line CSS height; written, it grows to fit the text.
    if (draft !== '') textarea.style.height = `${Math.min(textarea.scrollHeight + 2, MAX_HEIGHT_PX)}px`;
  }, [draft]);

  function setDraft(text: string) {
    useChatStore.getState().setDraft(conversationId, text);
  }

  function submit() {
    if (!canSend) return;
    const refused = sendMessage(conversationId, draft);
    setProblem(refused);
    if (refused === null) setDraft('');
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    submit();
    textareaRef.current?.focus();
  }

  function handleKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter while an input method is composing picks a candidate; it does not send.
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    submit();
  }

  return (
    <form className="composer" onSubmit={handleSubmit}>
      <label className="visually-hidden" htmlFor={`${id}-text`}>
        Message {title}
      </label>
      <div className="composer__row">
        <textarea
          ref={textareaRef}
          id={`${id}-text`}
          className="composer__input"
          rows={1}
          placeholder={`Message ${title}`}
          value={draft}
          onChange={(event) => {
            setDraft(event.target.value);
            setProblem(null);
            if (event.target.value.trim() !== '') notifyTyping(conversationId);
          }}
          onKeyDown={handleKeyDown}
          aria-invalid={over || problem !== null ? true : undefined}
          aria-describedby={describedBy || undefined}
          enterKeyHint="send"
        />
        <button type="submit" className="button button--primary composer__send" disabled={!canSend}>
          Send
        </button>
      </div>
      <div className="composer__footer">
        <p className="composer__hint">
          <kbd>Enter</kbd> to send, <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line
        </p>
        {showCounter && (
          <p id={counterId} className={`composer__counter${over ? ' composer__counter--over' : ''}`}>
            {over
              ? `${characters(length - CHAT_LIMITS.maxMessageChars)} over the limit`
              : `${characters(CHAT_LIMITS.maxMessageChars - length)} left`}
          </p>
        )}
      </div>
      {problem !== null && (
        <p id={problemId} className="composer__problem" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

function characters(count: number): string {
  return `${count} ${count === 1 ? 'character' : 'characters'}`;
}
