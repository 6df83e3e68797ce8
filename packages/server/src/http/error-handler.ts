import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { AppError, HTTP_STATUS, errorBody } from '../errors/app-error.js';

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/**
 * The one place where errors become HTTP answers: every error body is `{error:{code, message, fields?}}`.
 * AppErrors map by code; Fastify's own errors (schema validation, bad JSON, wrong content type, too
 * large) become the matching AppError; anything else is a 500 whose details go to the log only.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError | Error, request, reply) => {
    const appError = toAppError(error);
    const status = HTTP_STATUS[appError.code];
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.debug({ code: appError.code, message: appError.message }, 'request refused');
    if (appError.retryAfterSeconds !== undefined) reply.header('retry-after', String(appError.retryAfterSeconds));
    return reply.code(status).type('application/json; charset=utf-8').send(errorBody(appError));
  });
}

/**
 * For Fastify's `frameworkErrors`: what the router refuses before any route or hook runs (a broken
 * %-escape, an over-long path parameter) gets the same JSON error shape, without echoing the path.
 */
export function sendFrameworkError(error: FastifyError, reply: FastifyReply): void {
  const appError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? new AppError('not_found', 'Not found.') : new AppError('bad_request', 'The URL is not correctly encoded.');
  void reply.code(HTTP_STATUS[appError.code]).type('application/json; charset=utf-8').send(errorBody(appError));
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation)) return validationError(fastifyError.validation, fastifyError.validationContext);

  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'Send the request body as JSON with the header Content-Type: application/json.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'The request body is too large.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('bad_request', 'The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('bad_request', 'The request body is not valid JSON.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('bad_request', 'The Content-Length header does not match the request body.');
  }
  if (status === 400 && error instanceof SyntaxError) {
    return new AppError('bad_request', 'The request body is not valid JSON.');
  }
  if (status === 404) return new AppError('not_found', 'Not found.');
  if (status === 413) return new AppError('payload_too_large', 'The request body is too large.');
  if (status === 415) return new AppError('unsupported_media_type', 'This content type is not accepted here.');
  if (status >= 400 && status < 500) {
    return new AppError('bad_request', fastifyError.message ? `Bad request: ${fastifyError.message}` : 'Bad request.');
  }
  return new AppError('internal_error', 'Something went wrong on the server. The details are in the server log.', { cause: error });
}

function validationError(issues: ValidationIssue[], context: string | undefined): AppError {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const issue of issues) {
    const field = fieldName(issue);
    const message = issueMessage(issue);
    if (field) fields[field] ??= message;
    else general.push(message);
  }
  const where = context === 'querystring' ? 'query parameters' : context === 'params' ? 'URL' : 'request';
  const names = Object.keys(fields);
  let summary: string;
  if (general.length > 0 && names.length === 0) {
    summary = context === 'body' ? 'The request body must be a JSON object with the expected fields.' : `The ${where} is invalid: ${general[0]}`;
  } else if (names.length === 1) {
    summary = `${names[0]}: ${fields[names[0] as string]}`;
  } else {
    summary = `Some ${where === 'request' ? 'fields' : where} are invalid: ${names.join(', ')}.`;
  }
  return new AppError('validation_failed', summary, { fields });
}

function fieldName(issue: ValidationIssue): string | null {
  const path = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const missing = issue.params?.missingProperty;
  if (issue.keyword === 'required' && typeof missing === 'string') return path ? `${path}.${missing}` : missing;
  const extra = issue.params?.additionalProperty;
  if (issue.keyword === 'additionalProperties' && typeof extra === 'string') return path ? `${path}.${extra}` : extra;
  return path || null;
}

function issueMessage(issue: ValidationIssue): string {
  const p = issue.params ?? {};
  switch (issue.keyword) {
    case 'required':
      return 'This field is required.';
    case 'type':
      return `Must be ${article(String(p.type))}.`;
    case 'minLength':
      return Number(p.limit) <= 1 ? 'This field is required.' : `Use at least ${String(p.limit)} characters.`;
    case 'maxLength':
      return `Use at most ${String(p.limit)} characters.`;
    case 'minimum':
      return `Must be at least ${String(p.limit)}.`;
    case 'maximum':
      return `Must be at most ${String(p.limit)}.`;
    case 'enum':
      return `Use one of: ${Array.isArray(p.allowedValues) ? p.allowedValues.join(', ') : ''}.`;
    case 'format':
      return `Must be a valid ${String(p.format)}.`;
    case 'pattern':
      return 'Has an invalid format.';
    case 'additionalProperties':
      return 'This field is not accepted here.';
    default:
      return issue.message ? `${issue.message[0]?.toUpperCase() ?? ''}${issue.message.slice(1)}.` : 'Invalid value.';
  }
}

function article(type: string): string {
  const name = type === 'integer' ? 'whole number' : type;
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}
