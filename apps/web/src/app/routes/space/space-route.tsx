import { spaceSlugSchema } from '@huddle/protocol';
import { Link, type RouteComponentProps } from 'wouter';
import { CenteredPage } from '../../../components/layout/centered-page';
import { JoinForm } from '../../../features/session/components/join-form';
import { useDocumentTitle } from '../../../hooks/use-document-title';
import { toSpaceSlug } from '../../../lib/space-slug';
import { useSessionStore } from '../../../stores/session-store';
import { SpaceView } from './space-view';

export function SpaceRoute({ params }: RouteComponentProps<{ space: string }>) {
  const parsed = spaceSlugSchema.safeParse(params.space);
  if (!parsed.success) {
    return <InvalidSpace name={params.space} reason={parsed.error.issues[0]?.message ?? 'Invalid space name'} />;
  }
  return <SpaceGate space={parsed.data} />;
}

/** A space needs a session: without one held for it, ask for a name first. */
function SpaceGate({ space }: { space: string }) {
  const grant = useSessionStore((s) => s.grants[space]);
  if (grant === undefined) return <JoinSpace space={space} />;
  return <SpaceView grant={grant} />;
}

function JoinSpace({ space }: { space: string }) {
  const notice = useSessionStore((s) => s.notices[space]);
  useDocumentTitle(`Join ${space} — Huddle`);
  return (
    <CenteredPage>
      <h1 className="card__title">
        Join <span className="card__space">{space}</span>
      </h1>
      {notice ? (
        <p className="card__notice" role="alert">
          {notice}
        </p>
      ) : (
        <p className="card__lead">Choose the name your team will see.</p>
      )}
      {/* Saving the grant is enough: the gate then renders the space itself. */}
      <JoinForm space={space} />
    </CenteredPage>
  );
}

function InvalidSpace({ name, reason }: { name: string; reason: string }) {
  const suggestion = toSpaceSlug(name);
  useDocumentTitle('Invalid space — Huddle');
  return (
    <CenteredPage>
      <h1 className="card__title">Not a valid space</h1>
      <p className="card__lead">
        “{name}” is not a valid space name. {reason}.
      </p>
      <div className="card__actions">
        {suggestion !== null && (
          <Link href={`/s/${suggestion}`} className="button button--primary">
            Go to {suggestion}
          </Link>
        )}
        <Link href="/" className="button">
          Back to the home page
        </Link>
      </div>
    </CenteredPage>
  );
}
