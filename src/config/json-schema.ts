import { readFileSync } from 'node:fs';
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

/** factory's own package name and version, as published. */
function publishedPackage(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  return { name: pkg.name, version: pkg.version };
}

/** schema.json of a repo that has factory as a dev dependency, relative to the repo's top level. */
export function localSchemaRef(): string {
  return `./node_modules/${publishedPackage().name}/schema.json`;
}

/** schema.json of this version as published, for repos without factory in node_modules. */
export function publishedSchemaURL(): string {
  const { name, version } = publishedPackage();
  return `https://unpkg.com/${name}@${version}/schema.json`;
}
