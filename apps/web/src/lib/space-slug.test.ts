import { spaceSlugSchema } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { randomSpaceSlug, toSpaceSlug } from './space-slug';

describe('randomSpaceSlug', () => {
  it('makes a valid space slug', () => {
    for (let i = 0; i < 50; i += 1) {
      expect(spaceSlugSchema.safeParse(randomSpaceSlug()).success).toBe(true);
    }
  });

  it('is built from the random bytes', () => {
    expect(randomSpaceSlug(() => new Uint8Array([0, 1, 2, 31]))).toBe('team-abc9');
  });
});

describe('toSpaceSlug', () => {
  it('turns typed text into the nearest valid slug', () => {
    expect(toSpaceSlug('Foo Bar')).toBe('foo-bar');
    expect(toSpaceSlug('  Équipe Été!! ')).toBe('equipe-ete');
    expect(toSpaceSlug(`${'a'.repeat(39)} b`)).toBe('a'.repeat(39));
  });

  it('gives up when nothing usable is left', () => {
    expect(toSpaceSlug('!!!')).toBeNull();
    expect(toSpaceSlug('')).toBeNull();
  });
});
