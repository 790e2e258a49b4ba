import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useServerNow } from '../../../hooks/use-server-now';
import { usePermits } from '../../../stores/members-store';
import { loadLatest, loadOlder } from '../commands';
import { buildLogRows, type LogRow, localDay } from '../lib/log-rows';
import type { ConversationState, PresenceNotice } from '../stores/chat-store';
import { LogRowItem } from './log-row';

/** Closer to the bottom than this counts as reading the latest messages. */
const BOTTOM_SLACK_PX = 48;
/** Scrolling this close to the top fetches the page before. */
const LOAD_OLDER_AT_PX = 200;

interface MessageLogProps {
  conversation: ConversationState;
  /** "#general" or the peer's name. */
  title: string;
  notices: readonly PresenceNotice[];
  selfId: string | null;
}

export function MessageLog({ conversation, title, notices, selfId }: MessageLogProps) {
  const { info, messages, outgoing, hasOlder, loaded, loadingOlder, historyError } = conversation;
  const rows = useMemo(
    () => buildLogRows({ messages, outgoing, notices, hasOlder }, localDay),
    [messages, outgoing, notices, hasOlder],
  );
  const now = useServerNow(null);
  const canModerate = usePermits('admin');
  const writable = !(info.kind === 'channel' && info.archived === true);
  const { logRef, newBelow, handleScroll, scrollToBottom } = useLogScroll(rows, () => {
    if (loaded && hasOlder && !loadingOlder && historyError === null) void loadOlder(info.id);
  });
  const direct = info.kind === 'direct';
  const empty = loaded && messages.length === 0 && outgoing.length === 0;

  return (
    <div className="chat-log-frame">
      <div
        className="chat-log"
        role="log"
        aria-label={direct ? `Messages with ${title}` : `Messages in ${title}`}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
        tabIndex={0}
        ref={logRef}
        onScroll={handleScroll}
      >
        {/* Pushed to the bottom: a short conversation sits just above the composer. */}
        <div className="chat-log__content">
          {hasOlder && loaded && (
            <div className="chat-log__older">
              <button
                type="button"
                className="button button--small"
                onClick={() => void loadOlder(info.id)}
                disabled={loadingOlder}
              >
                {loadingOlder ? 'Loading older messages…' : 'Load older messages'}
              </button>
            </div>
          )}
          {historyError !== null && (
            <div className="chat-log__error" role="alert">
              <span>Could not load messages: {historyError}</span>
              <button
                type="button"
                className="button button--small"
                onClick={() => void (loaded ? loadOlder(info.id) : loadLatest(info.id))}
              >
                Try again
              </button>
            </div>
          )}
          {!loaded && historyError === null && (
            <p className="chat-log__loading" aria-busy="true">
              Loading messages…
            </p>
          )}
          {empty && (
            <div className="chat-empty">
              <p className="chat-empty__title">
                {direct ? `No messages with ${title} yet` : `No messages in ${title} yet`}
              </p>
              <p className="chat-empty__text">
                {direct
                  ? `Only you and ${title} can see this conversation. Say hello!`
                  : 'Everyone in this space can read it. Be the first to say hello!'}
              </p>
            </div>
          )}
          {loaded && !hasOlder && !empty && (
            <p className="chat-log__start">
              {direct
                ? `This is the start of your conversation with ${title}.`
                : `This is the very beginning of ${title}.`}
            </p>
          )}
          <ol className="chat-log__list">
            {rows.map((row) => (
              <LogRowItem
                key={row.key}
                row={row}
                selfId={selfId}
                now={now}
                conversationId={info.id}
                canModerate={canModerate}
                writable={writable}
              />
            ))}
          </ol>
        </div>
      </div>
      {newBelow && (
        <button type="button" className="chat-log__jump" onClick={() => scrollToBottom('smooth')}>
          New messages <span aria-hidden="true">↓</span>
        </button>
      )}
    </div>
  );
}

/**
 * Scrolling of a chat log: starts at the bottom; follows new messages only while the reader is at the
 * bottom (or just sent one); keeps the rows being read in place when older ones are added above; asks
 * for older ones near the top.
 */
function useLogScroll(rows: readonly LogRow[], nearTop: () => void) {
  const logRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const shownLastKey = useRef<string | null | undefined>(null);
  // A row that stays in the log across updates, and where it was.
  const anchor = useRef<{ key: string; top: number } | null>(null);
  const [newBelow, setNewBelow] = useState(false);

  function scrollToBottom(behavior: ScrollBehavior = 'auto') {
    const log = logRef.current;
    if (log === null) return;
    log.scrollTo({ top: log.scrollHeight, behavior });
    atBottom.current = true;
    setNewBelow(false);
  }

  useLayoutEffect(() => {
    const log = logRef.current;
    if (log === null) return;
    const last = rows.at(-1);
    const lastKey = last?.key;

    if (shownLastKey.current === null) {
      scrollToBottom();
    } else {
      const held = anchor.current === null ? null : findRow(log, anchor.current.key);
      // Rows added above move the anchor down: scroll by as much, so what is on screen stays put.
      if (held !== null && anchor.current !== null) log.scrollTop += held.offsetTop - anchor.current.top;
      if (lastKey !== shownLastKey.current) {
        const justWritten = last?.kind === 'message' && last.status === 'pending';
        if (atBottom.current || justWritten) scrollToBottom();
        else if (last?.kind === 'message') setNewBelow(true);
      }
    }

    shownLastKey.current = lastKey;
    // Day breaks are not anchors: the one at the top stays at the top when older rows of its day arrive.
    const first = log.querySelector<HTMLElement>('.chat-message, .chat-notice');
    anchor.current = first?.dataset.rowKey === undefined ? null : { key: first.dataset.rowKey, top: first.offsetTop };
  });

  // The log shrinks when the composer grows or the window changes: stay at the bottom if there.
  useEffect(() => {
    const log = logRef.current;
    if (log === null) return;
    const observer = new ResizeObserver(() => {
      if (atBottom.current) log.scrollTop = log.scrollHeight;
    });
    observer.observe(log);
    return () => observer.disconnect();
  }, []);

  function handleScroll() {
    const log = logRef.current;
    if (log === null) return;
    atBottom.current = log.scrollHeight - log.scrollTop - log.clientHeight <= BOTTOM_SLACK_PX;
    if (atBottom.current) setNewBelow(false);
    if (log.scrollTop <= LOAD_OLDER_AT_PX && log.scrollHeight > log.clientHeight) nearTop();
  }

  return { logRef, newBelow, handleScroll, scrollToBottom };
}

function findRow(log: HTMLElement, key: string): HTMLElement | null {
  for (const row of log.querySelectorAll<HTMLElement>('[data-row-key]')) {
    if (row.dataset.rowKey === key) return row;
  }
  return null;
}
