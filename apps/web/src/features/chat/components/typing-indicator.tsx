import { useTypingUsers } from '../hooks/use-typing-users';
import { typingText } from '../lib/typing-text';
import type { TypingEntry } from '../stores/chat-store';

/** Always takes its line, so the log does not jump when someone starts or stops typing. */
export function TypingIndicator({ typing }: { typing: readonly TypingEntry[] }) {
  const text = typingText(useTypingUsers(typing));
  return (
    <div className="typing-slot" aria-live="polite">
      {text !== null && (
        <p className="typing-indicator" data-testid="typing-indicator">
          <span className="typing-indicator__dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {text}
        </p>
      )}
    </div>
  );
}
