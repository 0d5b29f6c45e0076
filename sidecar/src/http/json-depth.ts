/**
 * @module
 * How deeply a JSON text nests, found by a loop over its characters — no
 * recursion, so no input can overflow the stack — before anything recursive
 * (`JSON.stringify`, schema validation, structured clone) ever sees the
 * parsed value. A body is refused when it nests deeper than the limit.
 */

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/** Default of `--max-body-depth`: the deepest nesting of objects and arrays a body may have. */
export const DEFAULT_MAX_BODY_DEPTH = 64;

/**
 * Whether `text` nests objects and arrays deeper than `maxDepth` (the
 * outermost object counts 1). Brackets inside strings do not count. Stops
 * at the first level past the limit. A text that is not JSON gets an
 * answer too; the parser reports its syntax afterwards.
 */
export function exceedsJsonDepth(text: string, maxDepth: number): boolean {
  // A text shorter than the limit cannot hold that many opening brackets.
  if (text.length <= maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i += 1;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      depth -= 1;
    }
  }
  return false;
}
