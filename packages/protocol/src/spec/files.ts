import { buildAsyncApi } from './asyncapi.js';
import { buildOpenApi } from './openapi.js';

/** Where the generated documents live, relative to the repository root. */
export const SPEC_DIR = 'docs/protocol';

/** The generated documents by file name, as committed (two-space JSON, as the formatter keeps it). */
export function specFiles(): Record<string, string> {
  return {
    'asyncapi.json': `${JSON.stringify(buildAsyncApi(), null, 2)}\n`,
    'openapi.json': `${JSON.stringify(buildOpenApi(), null, 2)}\n`,
  };
}
