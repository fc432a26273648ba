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
  hoistNullableSections(schema as Record<string, unknown>);
  return { $schema: schema.$schema, title: 'factory configuration (.factoryrc.json)', ...schema };
}

/**
 * A section that may be null (`visual`) comes out as `anyOf: [object, null]`; its `properties`
 * are copied to the top as well (they only apply to objects), so tools that walk `properties`
 * still find every field and its description, as with the `sandbox` shorthand.
 */
function hoistNullableSections(schema: Record<string, unknown>): void {
  const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
  for (const section of Object.values(props ?? {})) {
    const options = section.anyOf as Record<string, unknown>[] | undefined;
    const object = options?.find((o) => o.type === 'object');
    if (object && !section.properties) section.properties = object.properties;
  }
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
