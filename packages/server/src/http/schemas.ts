/** JSON schema fragments shared by route modules. */

export const userSummarySchema = {
  type: 'object',
  required: ['username', 'role'],
  properties: {
    username: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'operator', 'viewer'] }
  }
} as const;

export const signedInSchema = {
  type: 'object',
  required: ['user', 'csrfToken', 'via'],
  properties: {
    user: userSummarySchema,
    csrfToken: { type: 'string', description: 'Send it as X-CSRF-Token on every POST, PUT, PATCH and DELETE of this session.' },
    via: { type: 'string', enum: ['password', 'setup', 'arcgis'], description: 'How the session was opened.' }
  }
} as const;

export const credentialsBodySchema = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 256 },
    password: { type: 'string', minLength: 1, maxLength: 1024 }
  }
} as const;

/** What a portal's OAuth2 sign-in page sends the browser back with (RFC 6749 4.1.2): a code, or an error; and the state. */
export const oauthCallbackQuerySchema = {
  type: 'object',
  properties: {
    code: { type: 'string', maxLength: 4096 },
    state: { type: 'string', maxLength: 512 },
    error: { type: 'string', maxLength: 256 },
    error_description: { type: 'string', maxLength: 2048 }
  }
} as const;

export type OAuthCallbackQuery = { code?: string; state?: string; error?: string; error_description?: string };

/** A redirect answer (the OAuth callbacks): no body, a Location header. */
export const redirectResponse = {
  type: 'null',
  description: 'A redirect (Location header) back into the web app.',
  headers: { location: { type: 'string' } }
} as const;

/** The body of every error answer (errors/app-error.ts `ErrorBody`). */
export const errorBodySchema = {
  type: 'object',
  description: 'An error: the code says what went wrong, the message what to do.',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        fields: { type: 'object', additionalProperties: { type: 'string' }, description: 'A message per request field.' },
        retryAfterSeconds: { type: 'integer' }
      }
    }
  }
} as const;
