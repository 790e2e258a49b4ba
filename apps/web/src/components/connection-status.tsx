import { CONNECTION_STATUS_LABELS, selectConnectionStatus, useConnectionStore } from '../stores/connection-store';

export function ConnectionStatus() {
  const status = useConnectionStore(selectConnectionStatus);
  return (
    <p className={`connection-status connection-status--${status}`} role="status">
      <span className="connection-status__dot" aria-hidden="true" />
      {CONNECTION_STATUS_LABELS[status]}
    </p>
  );
}
