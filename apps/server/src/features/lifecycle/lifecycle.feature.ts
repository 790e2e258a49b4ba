import { ErrorCode } from '@huddle/protocol';
import { Router } from 'express';
import { AppError } from '../../errors.js';
import type { Feature, FeatureContext } from '../../feature.js';
import { HTTP_RATES } from '../../http/rate-limit.js';
import { EXPORT_PATH, exportRoutes } from './export.routes.js';
import { createRetentionJob } from './retention.js';

/**
 * A space's data over its life: retention (a background job on every node), export (admins) and deletion
 * (the owner). The rows themselves are each feature's business, composed in `ctx.spaceData`.
 */
export function lifecycleFeature(ctx: FeatureContext): Feature {
  const { config, db, clock, logger, spaceData, membership, toOtherNodes, limitPerAddress, requireSession } = ctx;
  const retention = createRetentionJob({
    db,
    rules: spaceData.retentionRules,
    clock,
    logger,
    intervalMs: config.retentionIntervalMs,
  });
  const limits = Router().get(EXPORT_PATH, limitPerAddress('http-export', HTTP_RATES.exports, 'exports'));

  /** What this node holds of a deleted space in memory: every feature's, and the cached settings. */
  const forget = (space: string) => {
    spaceData.forget(space);
    membership.forget(space);
  };

  return {
    name: 'lifecycle',
    commands: {
      'space:delete': async (socket, { confirm }) => {
        const { space } = socket.data;
        if (confirm !== space) {
          throw new AppError(ErrorCode.BadRequest, `Type the space's name, ${space}, to delete it`, 'confirm');
        }
        if (!(await spaceData.delete(space))) throw new AppError(ErrorCode.NotFound, 'This space is already gone');
        forget(space);
        toOtherNodes('space:deleted', space);
        // After the ack: the tab that asked is one of those told and closed.
        setImmediate(() => membership.endSessions({ space }, 'space-deleted'));
        return null;
      },
    },
    http: { routes: exportRoutes(spaceData, requireSession), bodies: 'json', limits },
    clusterEvents: { 'space:deleted': forget },
    start: async () => retention.start(),
    stop: () => retention.stop(),
  };
}
