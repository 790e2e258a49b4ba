export function notificationsSupported(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window;
}

/** Shows a browser notification when the user allowed them; otherwise does nothing. */
export function notify(title: string, options: NotificationOptions): void {
  if (!notificationsSupported() || Notification.permission !== 'granted') return;
  try {
    new Notification(title, { icon: '/favicon.svg', ...options });
  } catch {
    // Some browsers (Android Chrome) only allow notifications from a service worker.
  }
}
