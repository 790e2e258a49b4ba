import type { ReactNode } from 'react';

/** What a panel shows until its first state has arrived from the server. */
export function PanelLoading({ children }: { children: ReactNode }) {
  return (
    <p className="panel__placeholder" aria-busy="true">
      {children}
    </p>
  );
}
