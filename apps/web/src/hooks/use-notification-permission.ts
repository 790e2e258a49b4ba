import { useCallback, useState } from 'react';
import { notificationsSupported } from '../lib/notifications';

export type NotificationPermissionState = NotificationPermission | 'unsupported';

export function useNotificationPermission() {
  const [permission, setPermission] = useState<NotificationPermissionState>(() =>
    notificationsSupported() ? Notification.permission : 'unsupported',
  );

  const request = useCallback(async () => {
    if (!notificationsSupported()) return;
    setPermission(await Notification.requestPermission());
  }, []);

  return { permission, request };
}
