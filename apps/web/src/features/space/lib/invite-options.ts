import { type Invite, SPACE_LIMITS } from '@huddle/protocol';

/** How long a new invite works: the protocol's default (7 days) is preselected. */
export const EXPIRY_OPTIONS = [
  { hours: 1, label: '1 hour' },
  { hours: 24, label: '1 day' },
  { hours: SPACE_LIMITS.defaultInviteHours, label: '7 days' },
  { hours: SPACE_LIMITS.maxInviteHours, label: '30 days' },
] as const;

/** How many people a new invite lets in; null is any number. */
export const USE_OPTIONS = [
  { uses: null, label: 'Unlimited' },
  { uses: 1, label: '1 person' },
  { uses: 5, label: '5 people' },
  { uses: 25, label: '25 people' },
] as const;

/** "Used 2 of 5 times", "Not used yet", "Used 3 times". */
export function usesText({ uses, maxUses }: Pick<Invite, 'uses' | 'maxUses'>): string {
  if (maxUses !== null) return `Used ${uses} of ${maxUses} ${maxUses === 1 ? 'time' : 'times'}`;
  if (uses === 0) return 'Not used yet';
  return `Used ${uses} ${uses === 1 ? 'time' : 'times'}`;
}
