import { z } from 'zod';

export const SPACE_SLUG_PATTERN = /^[a-z0-9-]{1,40}$/;

export const spaceSlugSchema = z
  .string()
  .regex(SPACE_SLUG_PATTERN, 'A space name is 1–40 characters: lowercase letters, digits and dashes');

// Control and formatting characters would let two names look the same, or hide or reorder text.
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
// Characters that render as nothing or as a blank (U+3164 HANGUL FILLER, U+200B, variation selectors,
// U+2800 BRAILLE PATTERN BLANK…): "Ana" and "Ana" + one of these would look the same.
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\u2800]/u;
// Except the one use people need: a variation selector that asks for an emoji's text or emoji style.
const EMOJI_STYLE = /(?<=\p{Emoji})[\uFE0E\uFE0F]/gu;
// Something a person can see: a letter, digit, punctuation mark or symbol.
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

export const displayNameSchema = z
  .string()
  .max(200, 'A name is at most 32 characters')
  .transform((s) => s.normalize('NFC').trim().replace(/\s+/g, ' '))
  .pipe(
    z
      .string()
      .min(1, 'Choose a name')
      .max(32, 'A name is at most 32 characters')
      .refine((s) => !CONTROL.test(s), 'A name cannot contain control characters')
      .refine((s) => !INVISIBLE.test(s.replace(EMOJI_STYLE, '')), 'A name cannot contain invisible or blank characters')
      .refine((s) => VISIBLE.test(s), 'A name needs at least one visible letter, digit or symbol'),
  );

/** Commands without arguments still take an object, so they can grow fields compatibly. */
export const emptyPayloadSchema = z.strictObject({});

export const publicUserSchema = z.object({ id: z.string(), name: z.string() });
export type PublicUser = z.infer<typeof publicUserSchema>;
