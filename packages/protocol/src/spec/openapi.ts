import type { z } from 'zod';
import { errorResponseSchema } from '../ack.js';
import { type HttpAuth, type HttpRouteSpec, httpRoutes } from '../http-api.js';
import { PROTOCOL_VERSION } from '../version.js';
import { convert, type JsonSchema } from './json-schemas.js';

const securitySchemes = {
  sessionToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'A session token from `POST /api/sessions` (the one the web app keeps).',
  },
  ingestToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      "The space's device ingest token (`sensor:token`; shown and rotated in the board's Device API section).",
  },
  metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when the server sets one.' },
} as const;
const SCHEME: Record<Exclude<HttpAuth, 'none'>, keyof typeof securitySchemes> = {
  session: 'sessionToken',
  ingest: 'ingestToken',
  metrics: 'metricsToken',
};

const retryAfter = {
  'Retry-After': { description: 'Seconds until a retry may succeed.', schema: { type: 'integer', minimum: 1 } },
};

/** The HTTP API as an OpenAPI 3.1 document, from the route table. */
export function buildOpenApi() {
  const routes = Object.entries(httpRoutes as Record<string, HttpRouteSpec>).map(([key, spec]) => {
    const [method = '', path = ''] = key.split(' ');
    return { method: method.toLowerCase(), path: path.replace(/:(\w+)/g, '{$1}'), ...spec };
  });
  const roots: z.ZodType[] = [errorResponseSchema];
  for (const r of routes) {
    roots.push(...[r.params, r.query, r.body].filter((s) => s !== undefined));
    roots.push(...Object.values(r.responses).flatMap((res) => (res.body ? [res.body] : [])));
  }
  // OpenAPI 3.1 schemas are JSON Schema draft 2020-12.
  const schemas = convert(roots, 'draft-2020-12', '#/components/schemas/');
  const json = (schema: z.ZodType) => ({ 'application/json': { schema: schemas.schemaOf(schema) } });

  const parameters = (where: 'path' | 'query', object: z.ZodObject | undefined) => {
    if (!object) return [];
    const converted = schemas.definitionOf(object) as { properties: Record<string, JsonSchema>; required?: string[] };
    return Object.entries(converted.properties).map(([name, schema]) => ({
      name,
      in: where,
      required: where === 'path' || (converted.required ?? []).includes(name),
      schema,
    }));
  };

  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of routes) {
    const responses: Record<string, JsonSchema> = {};
    for (const [status, res] of Object.entries(r.responses)) {
      responses[status] = {
        description: res.description,
        content: res.body ? json(res.body) : { [res.contentType ?? 'text/plain']: { schema: { type: 'string' } } },
      };
    }
    for (const [status, description] of Object.entries(r.errors)) {
      responses[status] = {
        description,
        ...(status === '429' || status === '503' ? { headers: retryAfter } : {}),
        content: json(errorResponseSchema),
      };
    }
    const parameterList = [...parameters('path', r.params), ...parameters('query', r.query)];
    paths[r.path] = {
      ...paths[r.path],
      [r.method]: {
        summary: r.summary,
        ...(r.auth === 'none' ? {} : { security: [{ [SCHEME[r.auth]]: [] }] }),
        ...(parameterList.length > 0 ? { parameters: parameterList } : {}),
        ...(r.body ? { requestBody: { required: true, content: json(r.body) } } : {}),
        responses,
      },
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Huddle HTTP API',
      version: String(PROTOCOL_VERSION),
      description:
        'Sessions, device ingest, CSV export and operations endpoints, generated from `packages/protocol` (`pnpm --filter @huddle/protocol spec`). Every string of a body, path or query must be well-formed UTF-16 (a lone surrogate is a 400 BAD_REQUEST). Errors are JSON `{ error: { code, message, field?, retryAfterMs? } }`; the realtime protocol is in asyncapi.json.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    paths,
    components: { schemas: schemas.componentsUsedBy(paths), securitySchemes },
  };
}
