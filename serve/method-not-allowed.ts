import type { FastifyInstance } from 'fastify';
import { InputError } from '../core/index.js';

// `/products/:id` -> ^/products/[^/]+$ ; `/docs/static/*` -> ^/docs/static/.*$
function toPattern(url: string): RegExp {
  const segments = url.split('/').map((segment) => {
    if (segment.startsWith(':')) return '[^/]+';
    if (segment === '*') return '.*';
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${segments.join('/')}$`);
}

/**
 * A path that exists under other methods answers 405 with an `Allow` header (RFC 9110 §15.5.6)
 * instead of 404; an unknown path stays a 404. Install before the routes: it learns them as they are
 * added. Runs at onRequest, so that a body-bearing method (QUERY) is not parsed first.
 */
export function installMethodNotAllowed(app: FastifyInstance): void {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    routes.push({ pattern: toPattern(route.url), methods: Array.isArray(route.method) ? [...route.method] : [route.method] });
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return;
    const path = request.url.split('?')[0] ?? '';
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods))];
    if (allowed.length === 0) return;
    reply.header('allow', allowed.join(', '));
    throw new InputError('SERVE_METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}.`, { hint: `Use ${allowed.join(', ')}.` });
  });
}
