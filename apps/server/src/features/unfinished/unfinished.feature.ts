import { ErrorCode } from '@huddle/protocol';
import { AppError } from '../../errors.js';
import type { Feature } from '../../feature.js';
import type { CommandHandlers } from '../../io/types.js';

// TEMPORARY while issue 15 lands: commands declared in the protocol whose feature work is in progress.
// Each owner deletes its entries as it implements them; the file goes when it is empty.
const notYet = () => {
  throw new AppError(ErrorCode.NotFound, 'Not available yet');
};

export function unfinishedFeature(): Feature {
  const commands: CommandHandlers = {
    'sensor:delete': notYet,
    'space:delete': notYet,
    'space:members': notYet,
    'space:settings': notYet,
    'space:create-invite': notYet,
    'space:invites': notYet,
    'space:revoke-invite': notYet,
    'space:set-role': notYet,
    'space:remove-member': notYet,
    'space:leave': notYet,
    'session:rename': notYet,
    'session:devices': notYet,
    'session:sign-out': notYet,
    'session:link-device': notYet,
  };
  return { name: 'unfinished', commands };
}
