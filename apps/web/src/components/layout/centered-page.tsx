import type { ReactNode } from 'react';
import { AppHeader } from './app-header';

/** A page with one card in the middle: home, join, errors. */
export function CenteredPage({ children }: { children: ReactNode }) {
  return (
    <div className="page">
      <AppHeader />
      <main className="page__center">
        <div className="card">{children}</div>
      </main>
    </div>
  );
}
