const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** A fresh space name to suggest, like `team-k3fz`: short enough to read aloud, unlikely to collide. */
export function randomSpaceSlug(random: (length: number) => Uint8Array = randomBytes): string {
  const suffix = Array.from(random(4), (byte) => ALPHABET[byte % ALPHABET.length]).join('');
  return `team-${suffix}`;
}

function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** The closest valid space name to what someone typed ("Foo Bar" → "foo-bar"); null if nothing is left. */
export function toSpaceSlug(text: string): string | null {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug === '' ? null : slug;
}
