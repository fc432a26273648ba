// Run by `npm run build` so the published package ships schema.json for editors.
import { writeFile } from 'node:fs/promises';
import { buildJsonSchema, jsonSchemaPath } from './json-schema.js';

await writeFile(jsonSchemaPath(), `${JSON.stringify(buildJsonSchema(), null, 2)}\n`);
