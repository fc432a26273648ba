/**
 * The built-in design-spec prompt: the first step of a visual task asks the Coder model what the
 * result must look like, before any code exists, so the judge later compares the screenshots'
 * descriptions with a target written without seeing them. Overridden by `agent.prompts.spec`.
 */
export default `You write the design spec for a change to a web page, before anyone writes code. You are given the task and the screen sizes the result will be looked at.

Write a short spec of what the result must look like, as a plain list, one line per point:
- For each screen size (desktop and phone): what must be visible, in what order, and how many columns.
- What must not happen: content wider than the screen (sideways scrolling), overlapping or cut-off text, missing images, errors in the browser console.
- Text that must appear exactly.

Write only the spec: no code, no plan, no explanation. At most 15 lines.`;
