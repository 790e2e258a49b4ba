import type { SessionGrant } from '@huddle/protocol';
import { useEffect } from 'react';
import { ConnectionStatus } from '../../../components/connection-status';
import { AppHeader } from '../../../components/layout/app-header';
import { PanelErrorBoundary } from '../../../components/panel-error-boundary';
import { useConnectionStore } from '../../../stores/connection-store';
import { closeSpaceConnection, openSpaceConnection } from '../../socket-bridge';
import { FEATURE_PANELS } from './feature-panels';

export function SpaceView({ grant }: { grant: SessionGrant }) {
  const { space, token } = grant;
  const problem = useConnectionStore((s) => s.problem);

  useEffect(() => {
    openSpaceConnection(space, token);
    return closeSpaceConnection;
  }, [space, token]);

  return (
    <div className="page">
      <AppHeader>
        <p className="app-header__space">
          <span className="visually-hidden">Space </span>
          <span data-testid="space-name">{space}</span>
        </p>
        <div className="app-header__end">
          <p className="app-header__user">
            <span className="visually-hidden">You are </span>
            <span className="avatar" aria-hidden="true">
              {grant.user.name.slice(0, 1).toUpperCase()}
            </span>
            <span data-testid="user-name">{grant.user.name}</span>
          </p>
          <ConnectionStatus />
        </div>
      </AppHeader>
      {problem !== null && (
        <div className="banner" role="alert">
          <span>{problem}</span>
          <button type="button" className="button button--small" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      )}
      <main className="panel-grid">
        {FEATURE_PANELS.map(({ id, title, Component }) => (
          <section key={id} className={`panel panel--${id}`} aria-labelledby={`panel-${id}-title`}>
            <h2 className="panel__title" id={`panel-${id}-title`}>
              {title}
            </h2>
            <PanelErrorBoundary title={title}>
              <Component />
            </PanelErrorBoundary>
          </section>
        ))}
      </main>
    </div>
  );
}
