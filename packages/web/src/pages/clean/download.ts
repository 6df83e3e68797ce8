// Downloading a scan's findings as CSV: the server writes it (readable dates, formula-safe cells); the page fetches it
// with the session cookie so that a failure can be shown as a message instead of a broken download.
import { ApiError } from '../../api/api-client';
import { saveBlob } from '../../lib/save-file';

/** The file name in a Content-Disposition header (`attachment; filename="x.csv"`), or the fallback. */
export function dispositionFileName(header: string | null, fallback: string): string {
  const match = header ? /filename="([^"]+)"/i.exec(header) ?? /filename=([^;\s]+)/i.exec(header) : null;
  const name = match?.[1]?.trim();
  // Only a plain file name: never a path.
  return name && !/[\\/]/.test(name) ? name : fallback;
}

export async function downloadCsv(url: string, fallbackName: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/csv' } });
  } catch (cause) {
    throw new ApiError({ status: 0, code: 'network_error', message: 'Cannot reach the OrgKeeper server to export the CSV. Check that it is running, then try again.', method: 'GET', path: url, cause });
  }
  if (!response.ok) {
    let message = `The export failed with HTTP ${response.status}. Try again; if it keeps failing, check the OrgKeeper server log.`;
    try {
      const body = (await response.json()) as { error?: { message?: string } };
      if (body.error?.message) message = body.error.message;
    } catch {
      // Not an OrgKeeper error body: keep the generic message.
    }
    throw new ApiError({ status: response.status, code: `http_${response.status}`, message, method: 'GET', path: url });
  }
  const name = dispositionFileName(response.headers.get('Content-Disposition'), fallbackName);
  saveBlob(await response.blob(), name);
  return name;
}
