import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export interface SessionClaims {
  /** User id. */
  uid: string;
  space: string;
  /** Issued at, epoch ms. */
  iat: number;
  /** The signed-in device (browser); absent in tokens issued before devices were tracked. */
  did?: string;
  /** The user's session version it was issued under (absent: 0, issued before versions). */
  ver?: number;
  /** Its device's token generation: each renewal is one more (absent: 0). */
  gen?: number;
}

const claimsSchema = z.strictObject({
  uid: z.string().min(1).max(64),
  space: z.string().max(40),
  iat: z.number(),
  did: z.string().min(1).max(64).optional(),
  ver: z.number().int().min(0).optional(),
  gen: z.number().int().min(0).optional(),
});
const PREFIX = 'v1';

/** Signed, stateless session tokens: `v1.<claims>.<hmac>` (HMAC-SHA256, base64url). */
export function createTokenSigner(secret: string) {
  const mac = (data: string) => createHmac('sha256', secret).update(data).digest();

  return {
    sign(claims: SessionClaims): string {
      const body = `${PREFIX}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      return `${body}.${mac(body).toString('base64url')}`;
    },

    /** The claims of a genuine token; null for anything forged, truncated or malformed. */
    verify(token: unknown): SessionClaims | null {
      if (typeof token !== 'string' || token.length > 1024) return null;
      const parts = token.split('.');
      if (parts.length !== 3 || parts[0] !== PREFIX) return null;
      const given = Buffer.from(parts[2] ?? '', 'base64url');
      const expected = mac(`${parts[0]}.${parts[1]}`);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      try {
        const parsed = claimsSchema.safeParse(JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')));
        return parsed.success ? parsed.data : null;
      } catch {
        return null;
      }
    },
  };
}

export type TokenSigner = ReturnType<typeof createTokenSigner>;
