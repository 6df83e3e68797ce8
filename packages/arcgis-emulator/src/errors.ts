/**
 * ArcGIS REST errors. ArcGIS answers most errors with HTTP 200 and a body
 * `{"error":{"code":N,"message":"...","details":[],"messageCode":"..."}}`; a few answer with a real HTTP status
 * (OAuth2 pages, IWA 401, throttling 429 in some deployments). `httpStatus` says which.
 */
export interface ArcGISErrorBody {
  code: number;
  message: string;
  details: string[];
  messageCode?: string;
  [extra: string]: unknown;
}

export class ArcGISError extends Error {
  readonly code: number;
  readonly messageCode: string | undefined;
  readonly details: string[];
  readonly httpStatus: number;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    code: number,
    message: string,
    options: {
      messageCode?: string;
      details?: string[];
      httpStatus?: number;
      extra?: Record<string, unknown>;
      headers?: Record<string, string>;
    } = {}
  ) {
    super(message);
    this.name = 'ArcGISError';
    this.code = code;
    this.messageCode = options.messageCode;
    this.details = options.details ?? [];
    this.httpStatus = options.httpStatus ?? 200;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }

  toBody(): { error: ArcGISErrorBody } {
    const error: ArcGISErrorBody = { code: this.code, ...this.extra, message: this.message, details: this.details };
    if (this.messageCode !== undefined) error.messageCode = this.messageCode;
    return { error };
  }
}

// The errors that many endpoints share, worded as ArcGIS words them.
export const errors = {
  invalidToken: () => new ArcGISError(498, 'Invalid token.', { details: [] }),
  tokenRequired: () => new ArcGISError(499, 'Token Required', { messageCode: 'GWM_0003' }),
  forbidden: (message = 'You do not have permissions to access this resource or perform this operation.') =>
    new ArcGISError(403, message, { messageCode: 'GWM_0003' }),
  itemNotFound: (id?: string) =>
    new ArcGISError(400, 'Item does not exist or is inaccessible.', {
      messageCode: 'CONT_0001',
      details: id ? [`Item '${id}' does not exist or is inaccessible.`] : []
    }),
  userNotFound: (username?: string) =>
    new ArcGISError(400, `User does not exist or is inaccessible.`, {
      messageCode: 'COM_0097',
      details: username ? [`User '${username}' does not exist or is inaccessible.`] : []
    }),
  groupNotFound: () =>
    new ArcGISError(400, 'Group does not exist or is inaccessible.', { messageCode: 'COM_0003' }),
  folderNotFound: () => new ArcGISError(400, 'Folder does not exist or is inaccessible.', { messageCode: 'CONT_0002' }),
  missingParam: (name: string) =>
    new ArcGISError(400, `'${name}' must be specified.`, { details: [`'${name}' must be specified.`] }),
  invalidParam: (message: string, details: string[] = []) => new ArcGISError(400, message, { details }),
  notFound: (message = 'Not Found') => new ArcGISError(404, message),
  serviceNotFound: () =>
    new ArcGISError(400, 'Invalid URL', { details: ['Invalid URL'] }),
  internal: (message = 'Unable to complete operation.') => new ArcGISError(500, message)
};
