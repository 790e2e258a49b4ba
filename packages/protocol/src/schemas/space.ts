import { z } from 'zod';
import { displayNameSchema, publicUserSchema } from './common.js';

/** Who someone is in a space. One owner; admins moderate; members use the apps. */
export const roleSchema = z.enum(['owner', 'admin', 'member']);
export type Role = z.infer<typeof roleSchema>;

/**
 * What a command or route needs of its caller, checked by the server before the handler runs:
 * `member` any member; `settings` any member unless the space locked shared settings to admins;
 * `admin` an admin or the owner; `owner` the owner alone.
 */
export type Permission = 'member' | 'settings' | 'admin' | 'owner';

const RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

/** Whether `role` may do what needs `permission`, given whether the space locked shared settings. */
export function permits(role: Role, permission: Permission, sharedSettingsLocked: boolean): boolean {
  switch (permission) {
    case 'member':
      return true;
    case 'settings':
      return !sharedSettingsLocked || RANK[role] >= RANK.admin;
    case 'admin':
      return RANK[role] >= RANK.admin;
    case 'owner':
      return role === 'owner';
  }
}

/** Whether `actor` outranks `target`: an admin moderates members, the owner moderates everyone. */
export const outranks = (actor: Role, target: Role): boolean => RANK[actor] > RANK[target];

/** `private`: joining needs an invite. `open`: anyone with the link joins (the seeds' behaviour). */
export const visibilitySchema = z.enum(['private', 'open']);
export type Visibility = z.infer<typeof visibilitySchema>;

export const SPACE_LIMITS = {
  defaultInviteHours: 7 * 24,
  maxInviteHours: 30 * 24,
  maxInviteUses: 1000,
  /** Live invites a space holds at once. */
  maxOpenInvites: 100,
  /** A "link another device" code works once, this long. */
  deviceLinkMs: 10 * 60 * 1000,
  defaultReadingRetentionDays: 90,
  maxRetentionDays: 3650,
} as const;

/** An invite or device-link secret: 24 base64url characters from 18 random bytes (144 bits). */
export const secretCodeSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22,64}$/, 'That code is not valid: copy the whole link again');

const retentionDaysSchema = z.number().int().min(1).max(SPACE_LIMITS.maxRetentionDays);

export const spaceSettingsSchema = z.object({
  visibility: visibilitySchema,
  /** When set, pomodoro settings and alarm thresholds are for admins only. */
  lockSharedSettings: z.boolean(),
  /** Sensor readings older than this many days are deleted. */
  readingRetentionDays: retentionDaysSchema,
  /** Chat messages older than this many days are deleted; null keeps them. */
  messageRetentionDays: retentionDaysSchema.nullable(),
});
export type SpaceSettings = z.infer<typeof spaceSettingsSchema>;

export const spaceSettingsPatchSchema = z
  .strictObject({
    visibility: visibilitySchema.optional(),
    lockSharedSettings: z.boolean().optional(),
    readingRetentionDays: retentionDaysSchema.optional(),
    messageRetentionDays: retentionDaysSchema.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'Change at least one setting');

export const memberSchema = z.object({ id: z.string(), name: z.string(), role: roleSchema });
export type Member = z.infer<typeof memberSchema>;

export const spaceMembersSchema = z.object({
  members: z.array(memberSchema).meta({ description: 'Everyone in the space, owner first, then by name.' }),
});
export type SpaceMembers = z.infer<typeof spaceMembersSchema>;

export const userIdSchema = z.string().min(1).max(100);

export const inviteCreateSchema = z.strictObject({
  expiresInHours: z.number().int().min(1).max(SPACE_LIMITS.maxInviteHours).default(SPACE_LIMITS.defaultInviteHours),
  /** null: any number of people. */
  maxUses: z.number().int().min(1).max(SPACE_LIMITS.maxInviteUses).nullable().default(null),
});
export type InviteCreate = z.input<typeof inviteCreateSchema>;

export const inviteSchema = z.object({
  id: z.string(),
  createdBy: publicUserSchema,
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
  maxUses: z.number().int().nullable(),
  uses: z.number().int(),
});
export type Invite = z.infer<typeof inviteSchema>;

export const createdInviteSchema = inviteSchema.extend({
  code: secretCodeSchema.meta({
    description: 'The secret, shown once: the link is `/s/<space>?invite=<code>`. Only its hash is stored.',
  }),
});
export type CreatedInvite = z.infer<typeof createdInviteSchema>;

export const inviteListSchema = z.object({
  invites: z.array(inviteSchema).meta({ description: 'Live invites (not expired, used up or revoked), newest first.' }),
});
export type InviteList = z.infer<typeof inviteListSchema>;

export const inviteRevokeSchema = z.strictObject({ inviteId: z.string().min(1).max(100) });

export const setRoleSchema = z.strictObject({
  userId: userIdSchema,
  /** `owner` hands the space over: the current owner becomes an admin. */
  role: roleSchema,
});

export const removeMemberSchema = z.strictObject({
  userId: userIdSchema,
  /** Also refuse them if they come back with an invite from a browser that was theirs. */
  block: z.boolean().default(false),
});

export const deleteSpaceSchema = z.strictObject({
  /** The space's name typed again, so a slip cannot delete it. */
  confirm: z.string().max(100),
});

export const renameSchema = z.strictObject({ name: displayNameSchema });

export const deviceSchema = z.object({
  id: z.string(),
  label: z.string().meta({ description: 'Browser and system, from the user agent when it signed in.' }),
  createdAt: z.number().int(),
  lastSeenAt: z.number().int(),
  current: z.boolean().meta({ description: 'The device this list was asked from.' }),
});
export type Device = z.infer<typeof deviceSchema>;

export const deviceListSchema = z.object({ devices: z.array(deviceSchema) });
export type DeviceList = z.infer<typeof deviceListSchema>;

export const signOutSchema = z.strictObject({
  /** One of my devices; absent: this one. */
  deviceId: z.string().min(1).max(100).optional(),
});

export const deviceLinkSchema = z.object({
  code: secretCodeSchema.meta({ description: 'Works once: the link is `/s/<space>?link=<code>`.' }),
  expiresAt: z.number().int(),
});
export type DeviceLink = z.infer<typeof deviceLinkSchema>;

export const sessionEndReasonSchema = z.enum(['removed', 'signed-out', 'left', 'space-deleted']);
export type SessionEndReason = z.infer<typeof sessionEndReasonSchema>;

export const sessionEndedSchema = z.object({ reason: sessionEndReasonSchema, message: z.string() });
export type SessionEnded = z.infer<typeof sessionEndedSchema>;

/** `GET /api/spaces/:space/access`: how this browser may join (a private space without an invite is a 403). */
export const spaceAccessSchema = z.object({ space: z.string(), access: z.enum(['open', 'invite']) });
export type SpaceAccess = z.infer<typeof spaceAccessSchema>;

export const spaceAccessQuerySchema = z.object({ invite: secretCodeSchema.optional() });
