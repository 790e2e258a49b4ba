import { Link } from 'wouter';
import { CenteredPage } from '../../components/layout/centered-page';
import { useDocumentTitle } from '../../hooks/use-document-title';

export function NotFoundRoute() {
  useDocumentTitle('Page not found — Huddle');
  return (
    <CenteredPage>
      <h1 className="card__title">Page not found</h1>
      <p className="card__lead">There is nothing at this address. Spaces live at /s/&lt;space-name&gt;.</p>
      <Link href="/" className="button button--primary">
        Go to the home page
      </Link>
    </CenteredPage>
  );
}
