import { createTwoFilesPatch } from 'diff';
import type { FileDiff } from '../modules/types.js';

/** Unified diff of one file change, as `--diff` prints it. */
export function renderDiff(d: FileDiff): string {
  return createTwoFilesPatch(d.beforeHeader ?? `${d.path} (before)`, d.afterHeader ?? `${d.path} (after)`, d.before, d.after, undefined, undefined, { context: 3 })
    .split('\n')
    .filter((l) => !/^(={10,}|Index: )/.test(l))
    .join('\n')
    .trimEnd();
}
