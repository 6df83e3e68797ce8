import type { FromJsonSchema, SameType } from '../lib/json-schema.types.js';
import type { ApiTokenListView, ApiTokenView, CreatedApiTokenView } from './api-token.types.js';

const role = { type: 'string', enum: ['admin', 'operator', 'viewer'] } as const;

export const apiTokenViewSchema = {
  type: 'object',
  required: ['id', 'name', 'role', 'prefix', 'createdAt', 'createdBy', 'expiresAt', 'lastUsedAt', 'expired'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role,
    prefix: { type: 'string', description: 'The first characters of the token (never the token itself), to tell tokens apart.' },
    createdAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
    expiresAt: { type: ['string', 'null'], format: 'date-time', description: 'Null: the token does not expire.' },
    lastUsedAt: { type: ['string', 'null'], format: 'date-time', description: 'Recorded at most once a minute.' },
    expired: { type: 'boolean' }
  }
} as const;

export const apiTokenListSchema = {
  type: 'object',
  required: ['tokens'],
  properties: { tokens: { type: 'array', items: apiTokenViewSchema } }
} as const;

export const createdApiTokenSchema = {
  type: 'object',
  required: ['token', 'apiToken'],
  properties: {
    token: { type: 'string', description: 'The token, shown this once: OrgKeeper keeps only its SHA-256.' },
    apiToken: apiTokenViewSchema
  }
} as const;

export const newApiTokenBodySchema = {
  type: 'object',
  required: ['name', 'role'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 64 },
    role,
    expiresAt: { type: ['string', 'null'], maxLength: 64, description: 'ISO 8601 date-time; null or absent: the token does not expire.' }
  }
} as const;

const agree: [
  SameType<FromJsonSchema<typeof apiTokenViewSchema>, ApiTokenView>,
  SameType<FromJsonSchema<typeof apiTokenListSchema>, ApiTokenListView>,
  SameType<FromJsonSchema<typeof createdApiTokenSchema>, CreatedApiTokenView>
] = [true, true, true];
void agree;
