import { ErrorCode, spaceSlugSchema } from '@huddle/protocol';
import { type ReactNode, useEffect, useState } from 'react';
import { Link, type RouteComponentProps, useLocation, useSearch } from 'wouter';
import { CenteredPage } from '../../../components/layout/centered-page';
import { JoinForm, type JoinRefusal } from '../../../features/session/components/join-form';
import { useDocumentTitle } from '../../../hooks/use-document-title';
import { type JoinQuery, readJoinQuery } from '../../../lib/join-link';
import { checkSpaceAccess, linkDevice } from '../../../lib/session-api';
import { toSpaceSlug } from '../../../lib/space-slug';
import { useSessionStore } from '../../../stores/session-store';
import { firstJoinPage, type JoinPage, joinPageFor, refusedPage } from './join-gate';
import { SpaceView } from './space-view';

export function SpaceRoute({ params }: RouteComponentProps<{ space: string }>) {
  const parsed = spaceSlugSchema.safeParse(params.space);
  if (!parsed.success) {
    return <InvalidSpace name={params.space} reason={parsed.error.issues[0]?.message ?? 'Invalid space name'} />;
  }
  return <SpaceGate space={parsed.data} />;
}

/** A space needs a session: without one held for it, find out how this browser may join first. */
function SpaceGate({ space }: { space: string }) {
  const grant = useSessionStore((s) => s.grants[space]);
  const search = useSearch();
  const query = readJoinQuery(search);
  const [, navigate] = useLocation();
  const carriesCode = grant !== undefined && (query.invite !== null || query.link !== null);

  // Joined: the invite (or a device link opened in a browser already signed in) has done its work; a
  // reload or a copied address should not carry it on.
  useEffect(() => {
    if (carriesCode) navigate(`/s/${space}`, { replace: true });
  }, [carriesCode, navigate, space]);

  if (grant === undefined) return <NoSession key={`${space}?${search}`} space={space} query={query} />;
  return <SpaceView grant={grant} />;
}

function NoSession({ space, query }: { space: string; query: JoinQuery }) {
  const ended = useSessionStore((s) => s.ended[space]);
  const first = firstJoinPage(query, ended, Date.now());
  const invite = first.kind === 'check-access' ? first.invite : null;
  const [checked, setChecked] = useState<JoinPage | null>(null);
  /** A join the server refused after the check said yes (an invite revoked meanwhile, a blocked browser). */
  const [refused, setRefused] = useState<JoinPage | null>(null);
  const checking = first.kind === 'check-access';
  /** Bumped by "Try again": the check runs anew. */
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` is there to run the check again
  useEffect(() => {
    if (!checking) return;
    let current = true;
    void checkSpaceAccess(space, invite).then((ack) => {
      if (current) setChecked(joinPageFor(ack, invite));
    });
    return () => {
      current = false;
    };
  }, [checking, space, invite, attempt]);

  const retry = () => {
    setChecked(null);
    setAttempt((n) => n + 1);
  };

  const page = refused ?? (checking ? checked : first);
  switch (page?.kind) {
    case undefined:
    case 'check-access':
      return <Checking space={space} />;
    case 'link':
      return <LinkDevice space={space} code={page.code} />;
    case 'join':
      return <JoinSpace space={space} invite={page.invite} onRefused={(code) => setRefused(refusedPage(code, ''))} />;
    case 'private':
      return (
        <ClosedSpace space={space} title="This space is private — ask a member for an invite" testId="space-private" />
      );
    case 'invite-expired':
      return (
        <ClosedSpace
          space={space}
          title="This invite has expired or was revoked — ask for a new one"
          testId="invite-expired"
        />
      );
    case 'removed':
      return <ClosedSpace space={space} title="You were removed from this space" testId="space-removed" />;
    case 'deleted':
      return <ClosedSpace space={space} title="This space was deleted" testId="space-deleted" />;
    case 'error':
      return (
        <ClosedSpace space={space} title="Could not open this space" testId="space-error" lead={page.message}>
          <button type="button" className="button button--primary" onClick={retry}>
            Try again
          </button>
        </ClosedSpace>
      );
  }
}

function Checking({ space }: { space: string }) {
  useDocumentTitle(`${space} — Huddle`);
  return (
    <CenteredPage>
      <p className="card__lead" aria-live="polite">
        Opening <span className="card__space">{space}</span>…
      </p>
    </CenteredPage>
  );
}

function JoinSpace({
  space,
  invite,
  onRefused,
}: {
  space: string;
  invite: string | null;
  onRefused: (code: JoinRefusal) => void;
}) {
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
        <p className="card__lead">
          {invite === null
            ? 'Choose the name your team will see.'
            : 'You were invited. Choose the name your team will see.'}
        </p>
      )}
      {/* Saving the grant is enough: the gate then renders the space itself (and drops the invite from the address). */}
      <JoinForm space={space} invite={invite} onRefused={onRefused} />
    </CenteredPage>
  );
}

/** Why this browser cannot join: in the server's words, nothing else about the space. */
function ClosedSpace({
  space,
  title,
  lead,
  testId,
  children,
}: {
  space: string;
  title: string;
  lead?: string;
  testId: string;
  children?: ReactNode;
}) {
  const notice = useSessionStore((s) => s.notices[space]);
  useDocumentTitle(`${title} — Huddle`);
  return (
    <CenteredPage>
      {notice && <p className="card__notice">{notice}</p>}
      <h1 className="card__title" data-testid={testId}>
        {title}
      </h1>
      {lead && <p className="card__lead">{lead}</p>}
      <div className="card__actions">
        {children}
        <Link href="/" className={children ? 'button' : 'button button--primary'}>
          Start your own space
        </Link>
      </div>
    </CenteredPage>
  );
}

/** The codes of device links being redeemed: one request per code, however often the page renders. */
const linking = new Map<string, ReturnType<typeof linkDevice>>();

/** `?link=<code>`: signs this browser in as the user who made the code; the gate then shows the space. */
function LinkDevice({ space, code }: { space: string; code: string }) {
  const [problem, setProblem] = useState<string | null>(null);
  useDocumentTitle(`Signing in to ${space} — Huddle`);

  useEffect(() => {
    let current = true;
    let request = linking.get(code);
    if (request === undefined) {
      request = linkDevice({ space, code });
      linking.set(code, request);
    }
    void request.then((ack) => {
      linking.delete(code);
      // Signed in, even if the page moved on meanwhile: the code cannot be used again.
      if (ack.ok) {
        useSessionStore.getState().saveGrant(ack.data);
        return;
      }
      if (!current) return;
      const { code: error, message } = ack.error;
      const used = error === ErrorCode.InviteExpired || error === ErrorCode.BadRequest;
      setProblem(
        used ? 'This sign-in link has expired or was already used — make a new one on your signed-in device.' : message,
      );
    });
    return () => {
      current = false;
    };
  }, [space, code]);

  if (problem === null) {
    return (
      <CenteredPage>
        <p className="card__lead" aria-live="polite">
          Signing this browser in to <span className="card__space">{space}</span>…
        </p>
      </CenteredPage>
    );
  }
  return (
    <CenteredPage>
      <h1 className="card__title" data-testid="link-failed">
        This browser could not be signed in
      </h1>
      <p className="card__lead">{problem}</p>
      <div className="card__actions">
        <Link href="/" className="button">
          Back to the home page
        </Link>
      </div>
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
