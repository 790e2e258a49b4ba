import { CLICK_NOTICE_MS } from '../commands';
import { clickNoticeText } from '../lib/format';
import { useClickerStore } from '../stores/clicker-store';

/** A gentle note when clicks were not counted; it fades out by itself. */
export function ClickNotice() {
  const notice = useClickerStore((s) => s.notice);
  // Polite, not an alert: mining too fast is no error. (No role="status": that one is the connection's.)
  return (
    <div className="click-notice-slot" aria-live="polite">
      {notice !== null && (
        <p
          key={notice.id}
          className="click-notice"
          data-testid={notice.reason === 'discarded' ? 'clicks-discarded' : 'clicks-lost'}
          style={{ animationDuration: `${CLICK_NOTICE_MS}ms` }}
        >
          {clickNoticeText(notice.reason, notice.count)}
        </p>
      )}
    </div>
  );
}
