import { type Ack, ErrorCode } from '@huddle/protocol';
import { fetchAck } from './http-ack';

/** How long a downloaded file's object URL lives: the browser has started the download well before. */
const DOWNLOAD_URL_LIFETIME_MS = 60_000;

/** The file name a `Content-Disposition` header gives, if any. */
function fileNameOf(disposition: string | null): string | null {
  const match = disposition === null ? null : /filename="([^"]+)"/.exec(disposition);
  return match?.[1] ?? null;
}

/** Hands a fetched file to the browser as a download. */
function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), DOWNLOAD_URL_LIFETIME_MS);
}

interface ExportOptions {
  /** The session's token, which authorises the export. */
  token: string;
  /** The file's name when the response does not give one. */
  fallbackName: string;
  timeoutMs: number;
}

/** Fetches an export the API serves to the session's holder and hands it to the browser as a download. */
export async function downloadExport(
  url: string,
  { token, fallbackName, timeoutMs }: ExportOptions,
): Promise<Ack<{ fileName: string }>> {
  const download = await fetchAck(
    url,
    { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) },
    {
      read: async (response) => ({
        blob: await response.blob(),
        fileName: fileNameOf(response.headers.get('content-disposition')) ?? fallbackName,
      }),
      unreachable: { code: ErrorCode.Timeout, message: 'The export did not finish — try again' },
      interrupted: { code: ErrorCode.Timeout, message: 'The export was interrupted — try again' },
      failed: (status) => ({ code: ErrorCode.Internal, message: `The export failed (HTTP ${status})` }),
    },
  );
  if (!download.ok) return download;
  saveFile(download.data.blob, download.data.fileName);
  return { ok: true, data: { fileName: download.data.fileName } };
}
