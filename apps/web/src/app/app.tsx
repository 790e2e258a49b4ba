import { Route, Switch } from 'wouter';
import { HomeRoute } from './routes/home';
import { NotFoundRoute } from './routes/not-found';
import { SpaceRoute } from './routes/space/space-route';

export function App() {
  return (
    <Switch>
      <Route path="/" component={HomeRoute} />
      <Route path="/s/:space" component={SpaceRoute} />
      <Route component={NotFoundRoute} />
    </Switch>
  );
}
