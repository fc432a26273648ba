/**
 * Texts and objects only llama-server writes, for the `llamacpp` dialect (see dialects.ts):
 * the `timings` object of an answer and nlohmann::json's words for a body that is not JSON.
 */

/** What one answer cost, as the server measured it. */
export interface Measured {
  promptTokens: number;
  /** Prompt tokens taken from the slot's cache, not computed again. */
  cachedTokens: number;
  /** Tokens generated. */
  predicted: number;
  /** From the start of service to the end of prompt processing. */
  promptMs: number;
  /** From the end of prompt processing to the last token. */
  predictedMs: number;
}

/**
 * llama-server's `timings` (result_timings::to_json). Its per-token and per-second figures are
 * plain divisions, so a zero gives inf or NaN, which nlohmann::json writes as null.
 */
export function llamaTimings(m: Measured): Record<string, number | null> {
  const promptN = Math.max(0, m.promptTokens - m.cachedTokens);
  const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a / b) ? a / b : null);
  return {
    cache_n: m.cachedTokens,
    prompt_n: promptN,
    prompt_ms: m.promptMs,
    prompt_per_token_ms: ratio(m.promptMs, promptN),
    prompt_per_second: ratio(1000 * promptN, m.promptMs),
    predicted_n: m.predicted,
    predicted_ms: m.predictedMs,
    predicted_per_token_ms: ratio(m.predictedMs, m.predicted),
    predicted_per_second: ratio(1000 * m.predicted, m.predictedMs),
  };
}

/** Where a text stops being JSON: the offset of the wrong character (or the length), and why. */
interface JsonFault {
  at: number;
  /** Start of the token being read, for nlohmann's "last read". */
  token: number;
  why: 'empty' | 'end' | 'literal' | 'trailing';
}

function findJsonFault(text: string): JsonFault | undefined {
  let i = 0;
  let token = 0;
  const fail = (why?: JsonFault['why']): never => {
    throw { at: i, token, why: why ?? (i >= text.length ? 'end' : 'literal') } satisfies JsonFault;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (c: string) => {
    ws();
    token = i;
    if (text[i] !== c) fail();
    i++;
  };
  const string = () => {
    token = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    ws();
    token = i;
    const c = text[i];
    if (c === undefined) return fail();
    if (c === '"') return string();
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (c === '{') {
          ws();
          token = i;
          if (text[i] !== '"') fail();
          string();
          expect(':');
        }
        value();
        ws();
        token = i;
        if (text[i] === ',') i++;
        else if (text[i] === close) return void i++;
        else fail();
      }
    }
    const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    number.lastIndex = i;
    if (number.exec(text) && number.lastIndex > i) return void (i = number.lastIndex);
    const literal = ['true', 'false', 'null'].find((l) => l[0] === c);
    if (!literal) return fail();
    for (const ch of literal) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  try {
    ws();
    if (i >= text.length) fail('empty');
    value();
    ws();
    token = i;
    if (i < text.length) fail('trailing');
    return undefined;
  } catch (e) {
    return e as JsonFault;
  }
}

/**
 * The message of the exception nlohmann::json throws for a body that is not JSON, which
 * llama-server passes on as a 500 `server_error`. The common cases are worded exactly; the
 * rarer ones (a bad escape, a bad number) say "invalid literal" like the most common one.
 */
export function jsonParseErrorMessage(text: string): string {
  const fault = findJsonFault(text) ?? { at: 0, token: 0, why: 'literal' as const };
  const before = text.slice(0, fault.at);
  const line = before.split('\n').length;
  const column = fault.at - (before.lastIndexOf('\n') + 1) + 1;
  const where = `[json.exception.parse_error.101] parse error at line ${line}, column ${column}: `;
  const lastRead = JSON.stringify(text.slice(fault.token, fault.at + 1)).slice(1, -1);
  switch (fault.why) {
    case 'empty':
      return `${where}attempting to parse an empty input; check that your input string or stream contains the expected JSON`;
    case 'end':
      return `${where}syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal`;
    case 'trailing':
      return `${where}syntax error while parsing value - unexpected '${lastRead}'; expected end of input`;
    case 'literal':
      return `${where}syntax error while parsing value - invalid literal; last read: '${lastRead}'`;
  }
}
