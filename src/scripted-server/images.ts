import { createHash } from 'node:crypto';

/**
 * Images in a request, as a vision server reads them: OpenAI `image_url` parts whose URL is a
 * `data:image/png;base64,…` URL. The scripted server checks that they are real PNGs of the sizes a
 * script asks for, records their sizes (never their bytes), and counts each as a fixed number of
 * tokens in its prompt (an image is opaque: its bytes are never compared as text).
 */

/** Tokens one image stands for in the scripted tokenizer (a 1280x800 screenshot in Qwen2.5-VL). */
export const IMAGE_TOKENS = 1334;

/** One image of a request as recorded: its size when it is a PNG, else why it is not. */
export interface SeenImage {
  width?: number;
  height?: number;
  /** Decoded bytes. */
  bytes: number;
  /** Set when the part is not a base64 PNG data URL. */
  invalid?: string;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const DATA_URL = /^data:(image\/[\w.+-]+);base64,([A-Za-z0-9+/=\s]*)$/;

interface WirePart {
  type?: unknown;
  text?: unknown;
  image_url?: { url?: unknown } | string;
}

const partURL = (p: WirePart): unknown => (typeof p.image_url === 'string' ? p.image_url : p.image_url?.url);

/** Reads one image part: a PNG's width and height from its IHDR chunk. */
export function readImage(p: WirePart): SeenImage {
  const url = partURL(p);
  if (typeof url !== 'string') return { bytes: 0, invalid: 'image_url has no url' };
  const m = DATA_URL.exec(url);
  if (!m) return { bytes: 0, invalid: `not a base64 data URL (${url.slice(0, 40)})` };
  const bytes = Buffer.from(m[2]!, 'base64');
  if (m[1] !== 'image/png') return { bytes: bytes.length, invalid: `${m[1]} is not image/png` };
  if (
    bytes.length < 24 ||
    !bytes.subarray(0, 8).equals(PNG_SIGNATURE) ||
    bytes.toString('latin1', 12, 16) !== 'IHDR'
  )
    return { bytes: bytes.length, invalid: 'the data is not a PNG' };
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), bytes: bytes.length };
}

const isImagePart = (p: unknown): p is WirePart =>
  !!p && typeof p === 'object' && (p as WirePart).type === 'image_url';

/** Every image of every message, in order. */
export function requestImages(messages: unknown): SeenImage[] {
  if (!Array.isArray(messages)) return [];
  const out: SeenImage[] = [];
  for (const m of messages as { content?: unknown }[])
    if (Array.isArray(m?.content)) for (const p of m.content) if (isImagePart(p)) out.push(readImage(p));
  return out;
}

/** A message's text parts joined, as the rules match it. */
export function wireText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: WirePart) => (typeof p?.text === 'string' ? p.text : '')).join('');
}

/**
 * A message's content as the scripted tokenizer reads it: text as it is, an image as a marker
 * naming its hash, padded to IMAGE_TOKENS (four characters a token). Two different images differ
 * at the marker, so a prefix cache never counts one as the other.
 */
export function promptText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p: WirePart) => {
      if (typeof p?.text === 'string') return p.text;
      if (!isImagePart(p)) return '';
      const hash = createHash('sha256')
        .update(String(partURL(p)))
        .digest('hex')
        .slice(0, 16);
      return `<|image ${hash}|>`.padEnd(IMAGE_TOKENS * 4, '.');
    })
    .join('');
}

/** What the script's `images` rule asks of a request. */
export interface ImagesRule {
  count?: number;
  sizes?: [number, number][];
}

/**
 * Why the request's images break the rule, or undefined when they fit: every image must be a PNG,
 * there must be `count` of them, and their sizes must be `sizes` in order.
 */
export function imagesProblem(rule: ImagesRule, seen: SeenImage[]): string | undefined {
  const bad = seen.findIndex((s) => s.invalid);
  if (bad >= 0) return `image ${bad + 1}: ${seen[bad]!.invalid}`;
  const count = rule.count ?? rule.sizes?.length;
  if (count !== undefined && seen.length !== count)
    return `expected ${count} image(s), the request has ${seen.length}`;
  for (const [i, size] of (rule.sizes ?? []).entries()) {
    const s = seen[i];
    if (!s || s.width !== size[0] || s.height !== size[1])
      return `image ${i + 1} is ${s ? `${s.width}x${s.height}` : 'missing'}, expected ${size[0]}x${size[1]}`;
  }
  return undefined;
}
