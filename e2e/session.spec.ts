import { expect, expectConnected, test } from './fixtures.js';

test('"Sign out other devices" ends the other device’s session; this one stays connected', async ({
  actor,
  browser,
  server,
  space,
}) => {
  const laptop = await actor('Ana');
  // A second device with the same session (its storage copied, as a stolen token would be).
  const phoneContext = await browser.newContext({
    baseURL: server.url,
    storageState: await laptop.context().storageState(),
  });
  const phone = await phoneContext.newPage();
  await phone.goto(`/s/${space}`);
  await expectConnected(phone);

  await laptop.getByRole('button', { name: /^You:/ }).click();
  await laptop.getByRole('button', { name: 'Sign out other devices' }).click();
  await expect(laptop.getByText('Signed out of every other device.')).toBeVisible();
  await expectConnected(laptop);

  // The phone is disconnected at once and its token refused: it is back at the join form, told why.
  await expect(phone.getByText('Your session for this space has ended. Join again to continue.')).toBeVisible();
  await phone.getByRole('button', { name: 'Join' }).click();
  await expect(phone.getByText('That name is taken in this space')).toBeVisible();

  // The laptop keeps its session across a reload.
  await laptop.reload();
  await expectConnected(laptop);
  await expect(laptop.getByTestId('user-name')).toHaveText('Ana');
  await phoneContext.close();
});
