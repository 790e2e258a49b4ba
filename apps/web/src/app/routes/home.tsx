import { useLocation } from 'wouter';
import { CenteredPage } from '../../components/layout/centered-page';
import { JoinForm } from '../../features/session/components/join-form';
import { useDocumentTitle } from '../../hooks/use-document-title';

export function HomeRoute() {
  const [, navigate] = useLocation();
  useDocumentTitle('Huddle');
  return (
    <CenteredPage>
      <h1 className="card__title">Start a huddle</h1>
      <p className="card__lead">
        One room for your team: a shared pomodoro, chat and sensor board, live for everyone. Name your space, then
        invite your team. Got an invite link? Open it to join.
      </p>
      <JoinForm onJoined={(grant) => navigate(`/s/${grant.space}`)} />
    </CenteredPage>
  );
}
