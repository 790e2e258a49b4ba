import { describe, expect, it } from 'vitest';
import { selectConnectionStatus } from './connection-store';

describe('selectConnectionStatus', () => {
  it('maps socket phases to what the user sees', () => {
    expect(selectConnectionStatus({ phase: 'connecting', browserOnline: true })).toBe('connecting');
    expect(selectConnectionStatus({ phase: 'connected', browserOnline: true })).toBe('connected');
    expect(selectConnectionStatus({ phase: 'reconnecting', browserOnline: true })).toBe('reconnecting');
    expect(selectConnectionStatus({ phase: 'closed', browserOnline: true })).toBe('offline');
  });

  it('says offline whenever the browser has no network', () => {
    expect(selectConnectionStatus({ phase: 'connected', browserOnline: false })).toBe('offline');
    expect(selectConnectionStatus({ phase: 'reconnecting', browserOnline: false })).toBe('offline');
  });
});
