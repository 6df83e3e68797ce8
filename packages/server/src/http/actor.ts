import type { FastifyRequest } from 'fastify';
import type { Actor } from '../audit/audit.service.js';

/** Who makes a request, for the audit log and the operations it starts: the signed-in account, else anonymous. */
export function actorOf(request: FastifyRequest): Actor {
  const user = request.auth?.user;
  return user ? { kind: 'user', userId: user.id, username: user.username } : { kind: 'anonymous' };
}
