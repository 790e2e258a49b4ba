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
    'space:delete': notYet,
  };
  return { name: 'unfinished', commands };
}
