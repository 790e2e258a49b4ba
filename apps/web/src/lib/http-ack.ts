import type { Ack, AppErrorBody } from '@huddle/protocol';

export interface HttpAckOptions<T> {
  /** Reads a successful response; null when it is not what was asked for. */
  read: (response: Response) => Promise<T | null>;
  /** The request never got an answer (offline, server away, timed out). */
  unreachable: AppErrorBody;
  /** The answer broke off while being read; defaults to `unreachable`. */
  interrupted?: AppErrorBody;
  /** Neither the data nor the API's JSON error came back (a proxy's page, say). */
  failed: (status: number) => AppErrorBody;
}

/**
 * An HTTP request as an `Ack`, the shape every socket command answers with, so callers handle one
 * shape: the data, the API's own `{ error }` body, or a failure in words for the user. Never rejects.
 */
export async function fetchAck<T>(url: string, init: RequestInit, options: HttpAckOptions<T>): Promise<Ack<T>> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    return { ok: false, error: options.unreachable };
  }
  if (response.ok) {
    try {
      const data = await options.read(response);
      if (data !== null) return { ok: true, data };
    } catch {
      return { ok: false, error: options.interrupted ?? options.unreachable };
    }
    return { ok: false, error: options.failed(response.status) };
  }
  const json: unknown = await response.json().catch(() => null);
  if (isErrorBody(json)) return { ok: false, error: json.error };
  return { ok: false, error: options.failed(response.status) };
}

/** Reads a JSON body, or null when it is not JSON of the expected shape. */
export function readJson<T>(isT: (value: unknown) => value is T): (response: Response) => Promise<T | null> {
  return async (response) => {
    const json: unknown = await response.json().catch(() => null);
    return isT(json) ? json : null;
  };
}

function isErrorBody(value: unknown): value is { error: AppErrorBody } {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const { error } = value as { error: unknown };
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
