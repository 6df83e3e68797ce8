import type { FastifyRequest } from 'fastify';
import type { Actor } from '../audit/audit.service.js';

/** Who makes a request, for the audit log and the operations it starts: the signed-in account or the API token, else anonymous. */
export function actorOf(request: FastifyRequest): Actor {
  const auth = request.auth;
  if (!auth) return { kind: 'anonymous' };
  if (auth.kind === 'token') return { kind: 'token', tokenId: auth.token.id, name: auth.token.name };
  return { kind: 'user', userId: auth.user.id, username: auth.user.username };
}
