import type { SessionGrant } from '@huddle/protocol';
import { useEffect } from 'react';
import { ConnectionStatus } from '../../../components/connection-status';
import { AppHeader } from '../../../components/layout/app-header';
import { PanelErrorBoundary } from '../../../components/panel-error-boundary';
import { hasPanel } from '../../../lib/feature';
import { useConnectionStore } from '../../../stores/connection-store';
import { useSessionStore } from '../../../stores/session-store';
import { FEATURES } from '../../features';
import { closeSpaceConnection, openSpaceConnection } from '../../socket-bridge';

const PANELS = FEATURES.filter(hasPanel);

export function SpaceView({ grant }: { grant: SessionGrant }) {
  const { space } = grant;
  const userId = grant.user.id;
  const problem = useConnectionStore((s) => s.problem);

  // Connects once per space and user: a renewed token (every welcome brings one) is kept for the next
  // reconnect without reconnecting now.
  useEffect(() => {
    const held = useSessionStore.getState().grants[space];
    if (held?.user.id === userId) openSpaceConnection(space, held.token);
    return closeSpaceConnection;
  }, [space, userId]);

  return (
    <div className="page">
      <AppHeader>
        <p className="app-header__space">
          <span className="visually-hidden">Space </span>
          <span data-testid="space-name">{space}</span>
        </p>
        <div className="app-header__end">
          <ConnectionStatus />
          {FEATURES.map(({ id, Header }) => Header && <Header key={id} grant={grant} />)}
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
        {PANELS.map(({ id, nav: { title }, Panel }) => (
          <section key={id} className={`panel panel--${id}`} aria-labelledby={`panel-${id}-title`}>
            <h2 className="panel__title" id={`panel-${id}-title`}>
              {title}
            </h2>
            <PanelErrorBoundary title={title}>
              <Panel />
            </PanelErrorBoundary>
          </section>
        ))}
      </main>
    </div>
  );
}
