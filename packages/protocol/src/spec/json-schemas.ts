import { z } from 'zod';
import * as protocol from '../index.js';

export type JsonSchema = Record<string, unknown>;

/**
 * The protocol's exported `fooBarSchema`s, named `FooBar`: a spec's component names come from the code, so
 * nothing is named twice. A schema used inside another one becomes a `$ref` to its component.
 */
const named = new Map<z.ZodType, string>();
for (const [key, value] of Object.entries(protocol)) {
  if (value instanceof z.ZodType && key.endsWith('Schema') && !named.has(value)) {
    named.set(value, key[0]?.toUpperCase() + key.slice(1, -'Schema'.length));
  }
}

/**
 * Converts `roots` (named or not) to JSON Schema for `target`, with named schemas as components under
 * `refPrefix`. Payloads are described as clients may send them (`io: 'input'`, before transforms), which
 * for server data (no transforms) is also what it is.
 */
export function convert(roots: z.ZodType[], target: 'draft-07' | 'draft-2020-12', refPrefix: string) {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of named) registry.add(schema, { id });
  const rootIds = new Map<z.ZodType, string>();
  for (const root of roots) {
    if (!named.has(root) && !rootIds.has(root)) {
      rootIds.set(root, `root-${rootIds.size}`);
      registry.add(root, { id: rootIds.get(root) as string });
    }
  }
  const { schemas } = z.toJSONSchema(registry, {
    target,
    io: 'input',
    uri: (id) => refPrefix + id,
    // Every integer gets JavaScript's safe range as bounds; that is noise unless a schema set its own.
    override: ({ jsonSchema }) => {
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
    },
  });
  const clean = (schema: JsonSchema): JsonSchema => {
    const { $schema: _, $id: __, ...rest } = schema;
    return rest;
  };
  const inline = new Map([...rootIds].map(([schema, id]) => [schema, clean(schemas[id] as JsonSchema)]));
  const components: Record<string, JsonSchema> = {};
  for (const id of [...named.values()].sort()) components[id] = clean(schemas[id] as JsonSchema);

  /** A root as it goes in a document: a `$ref` to its component, or its schema inline. */
  const schemaOf = (root: z.ZodType): JsonSchema => {
    const id = named.get(root);
    return id === undefined ? (inline.get(root) as JsonSchema) : { $ref: refPrefix + id };
  };
  /** A root's own JSON Schema, never a `$ref`. */
  const definitionOf = (root: z.ZodType): JsonSchema => {
    const id = named.get(root);
    return id === undefined ? (inline.get(root) as JsonSchema) : (components[id] as JsonSchema);
  };
  /** The components `document` refers to, directly or through other components, by name. */
  const componentsUsedBy = (document: unknown): Record<string, JsonSchema> => {
    const used = new Set<string>();
    const visit = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string' && value.startsWith(refPrefix)) {
          const id = value.slice(refPrefix.length);
          if (!used.has(id)) {
            used.add(id);
            visit(components[id]);
          }
        } else visit(value);
      }
    };
    visit(document);
    return Object.fromEntries(Object.entries(components).filter(([id]) => used.has(id)));
  };
  return { schemaOf, definitionOf, componentsUsedBy };
}
