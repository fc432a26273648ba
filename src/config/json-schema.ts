import { packageFile } from '../package-root.js';
import { z } from 'zod';
import { configSchema } from './schema.js';
import { shorthandJsonSchema } from './shorthand.js';

/**
 * The JSON Schema of .factoryrc.json. `io: 'input'` describes what a file may contain, where every
 * field with a default is optional, rather than the filled-in result.
 */
export function buildJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input' });
  shorthandJsonSchema(schema as Record<string, unknown>);
  return { $schema: schema.$schema, title: 'factory configuration (.factoryrc.json)', ...schema };
}

/** schema.json at the package root. */
export function jsonSchemaPath(): string {
  return packageFile('schema.json');
}
