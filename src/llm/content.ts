/**
 * Message content made of parts: text and PNG images (the visual check's screenshots). Everything
 * that reads a message's content as text goes through these helpers, so an image is never counted
 * as its base64, never written to a log, and never hashed as a prompt's text.
 */
import type { ChatMessage, ContentPart, ImagePart, MessageContent } from './types.js';

/**
 * What one image costs in the token estimates, whatever its size. Qwen2.5-VL (the suggested
 * describer) reads 14-pixel patches merged 2x2, one token per 28x28 pixels: the desktop viewport
 * of 1280x800 is ceil(1280/28) * ceil(800/28) = 46 * 29 = 1334 tokens, the phone's 390x844 is
 * 14 * 31 = 434. The larger figure is used for every image so a budget is never too small.
 */
export const IMAGE_TOKENS = 1334;
/** The same in the characters the estimates count (4 per token, normalize.ts and agent/tokens.ts). */
export const IMAGE_CHARS = IMAGE_TOKENS * 4;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR chunk, or undefined when the bytes are not a PNG. */
export function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  if (bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/** The image's bytes, whether it was given as a Buffer or as base64 text. */
export function imageBytes(part: ImagePart): Buffer {
  return typeof part.data === 'string' ? Buffer.from(part.data, 'base64') : part.data;
}

/** The image as the `url` of an OpenAI `image_url` part. */
export function imageDataURL(part: ImagePart): string {
  const b64 = typeof part.data === 'string' ? part.data : part.data.toString('base64');
  return `data:${part.mime};base64,${b64}`;
}

/** What a log or a transcript shows in place of an image: `[image 1280x800 png, 12 KiB]`. */
export function imageLabel(part: ImagePart): string {
  const bytes = imageBytes(part);
  const size = pngSize(bytes);
  const kind = part.mime.replace(/^image\//, '');
  const kib = Math.max(1, Math.round(bytes.length / 1024));
  return `[image ${size ? `${size.width}x${size.height}` : 'of unknown size'} ${kind}, ${kib} KiB]`;
}

const isImage = (p: ContentPart): p is ImagePart => p.type === 'image';

/** The content as text: text parts joined, each image as its label. */
export function contentText(content: MessageContent): string {
  if (typeof content === 'string') return content;
  return content.map((p) => (isImage(p) ? imageLabel(p) : p.text)).join('\n');
}

/** How many characters the estimates count for the content: its text, and IMAGE_CHARS per image. */
export function contentChars(content: MessageContent): number {
  if (typeof content === 'string') return content.length;
  return content.reduce((n, p) => n + (isImage(p) ? IMAGE_CHARS : p.text.length), 0);
}

/** The images of a message, in order. */
export function contentImages(content: MessageContent): ImagePart[] {
  return typeof content === 'string' ? [] : content.filter(isImage);
}

/** A message with every image replaced by its label, for logs: no base64 is ever stored. */
export function redactMessage(m: ChatMessage): ChatMessage {
  return typeof m.content === 'string' ? m : { ...m, content: contentText(m.content) };
}

/** True for a value shaped like an ImagePart (anything with `type: 'image'`, a mime and data). */
export function looksLikeImagePart(v: unknown): v is ImagePart {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return (
    o.type === 'image' &&
    typeof o.mime === 'string' &&
    (typeof o.data === 'string' || Buffer.isBuffer(o.data))
  );
}
