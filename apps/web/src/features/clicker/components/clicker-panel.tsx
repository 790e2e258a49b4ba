import '../clicker.css';
import { PanelLoading } from '../../../components/ui/panel-loading';
import { useClickerStore } from '../stores/clicker-store';
import { ClickNotice } from './click-notice';
import { GoldSummary } from './gold-summary';
import { Leaderboard } from './leaderboard';
import { NuggetButton } from './nugget-button';
import { PurchaseFeed } from './purchase-feed';
import { Shop } from './shop';

export function ClickerPanel() {
  const ready = useClickerStore((s) => s.player !== null);
  if (!ready) {
    return <PanelLoading>Opening the gold mine…</PanelLoading>;
  }
  return (
    <div className="clicker">
      <div className="clicker__mine">
        <GoldSummary />
        <NuggetButton />
        <ClickNotice />
      </div>
      <div className="clicker__section clicker__section--shop">
        <h3 className="clicker__heading">Shop</h3>
        <Shop />
      </div>
      <div className="clicker__social">
        <div className="clicker__section">
          <h3 className="clicker__heading">Leaderboard</h3>
          <Leaderboard />
        </div>
        <div className="clicker__section">
          <h3 className="clicker__heading">Recent purchases</h3>
          <PurchaseFeed />
        </div>
      </div>
    </div>
  );
}
