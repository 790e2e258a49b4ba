import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Config } from '../../../server/src/config';
import type { RunningHuddle } from '../../../server/src/server';
import { startTestServer, type TestClient } from '../../../server/test/helpers';
import { type AppPage, openAppPage } from './test-page';

/**
 * What every socket-bridge test file against the real server sets up: the real Huddle server in this
 * process (a data folder of its own, `overrides` applied) and the app's page on it (`openAppPage`). After
 * each test the page leaves its space and the clients a test put in `tabs` (other tabs, other members)
 * disconnect; at the end the server stops. A file's own hooks run after these (`beforeAll`, `afterEach`).
 */
export function withAppOnServer(overrides: Partial<Config> = {}) {
  let server: RunningHuddle | undefined;
  let page: AppPage | undefined;
  const tabs: TestClient[] = [];
  beforeAll(async () => {
    server = await startTestServer(overrides);
    page = await openAppPage(server.url);
  }, 30_000);
  afterEach(() => {
    page?.bridge.closeSpaceConnection();
    for (const tab of tabs.splice(0)) tab.disconnect();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get server(): RunningHuddle {
      if (!server) throw new Error('the server starts in beforeAll');
      return server;
    },
    get page(): AppPage {
      if (!page) throw new Error('the page opens in beforeAll');
      return page;
    },
    tabs,
  };
}
