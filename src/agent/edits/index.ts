export { parseReply } from './parse.js';
export { applyReplace, type ReplaceResult } from './replace.js';
export { fenced } from './fence.js';
