import { z } from 'zod';

export const SPACE_SLUG_PATTERN = /^[a-z0-9-]{1,40}$/;

export const spaceSlugSchema = z
  .string()
  .regex(SPACE_SLUG_PATTERN, 'A space name is 1–40 characters: lowercase letters, digits and dashes');

// Control and invisible formatting characters would let two names look the same.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

export const displayNameSchema = z
  .string()
  .max(200, 'A name is at most 32 characters')
  .transform((s) => s.normalize('NFC').trim().replace(/\s+/g, ' '))
  .pipe(
    z
      .string()
      .min(1, 'Choose a name')
      .max(32, 'A name is at most 32 characters')
      .refine((s) => !INVISIBLE.test(s), 'A name cannot contain control characters'),
  );

/** Commands without arguments still take an object, so they can grow fields compatibly. */
export const emptyPayloadSchema = z.strictObject({});

export const publicUserSchema = z.object({ id: z.string(), name: z.string() });
export type PublicUser = z.infer<typeof publicUserSchema>;
