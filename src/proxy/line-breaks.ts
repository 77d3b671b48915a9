/** Line boundaries other than `\n`, made safe in a valid JSON line: see src/shared/line-breaks.ts. */
export { hasLineBreaks, withoutLineBreaks } from '../shared/line-breaks.js';
