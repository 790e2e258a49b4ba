import type { ReactNode } from 'react';
import { Link } from 'wouter';

/** The bar at the top of every page; pages put their own details beside the brand. */
export function AppHeader({ children }: { children?: ReactNode }) {
  return (
    <header className="app-header">
      <Link href="/" className="app-header__brand">
        <img src="/favicon.svg" alt="" width="28" height="28" />
        <span className="app-header__brand-name">Huddle</span>
      </Link>
      {children}
    </header>
  );
}
