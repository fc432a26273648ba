/**
 * Loads the modules that draw: Ink, React and the review app. Import it through `loadDraw` only,
 * never statically, so Ink and chalk read the environment set there.
 */
export { measureFirstFrame } from './first-frame.js';
export { measureScroll } from './scroll.js';
export { version as reactVersion } from 'react';
