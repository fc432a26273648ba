/**
 * `"sandbox": "none"` is short for `"sandbox": {"mode": "none"}`: the one sandbox setting most
 * people change reads as the issue and the README name it. Expanded in every layer (files, env,
 * `--set sandbox=none`) before validation, so the rest of the loader only sees the object form.
 */
export function expandShorthands(data: Record<string, unknown>): void {
  if (typeof data.sandbox === 'string') data.sandbox = { mode: data.sandbox };
}

/** The same shorthand in the JSON Schema, so editors accept it. */
export function shorthandJsonSchema(schema: Record<string, unknown>): void {
  const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
  const sandbox = props?.sandbox;
  if (!sandbox) return;
  const modes = ((sandbox.properties as Record<string, Record<string, unknown>>).mode ?? {}).enum;
  // `properties` stay at the top as well (they only apply to objects), so tools that walk
  // `properties` still find every field and its description.
  const { type: _type, ...rest } = sandbox;
  props.sandbox = { ...rest, anyOf: [{ type: 'string', enum: modes }, { ...sandbox }] };
}
