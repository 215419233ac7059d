// Build the lab's target images (used by .ci/run when the CLI's `tsplay lab build` is not there).
// Exit 1 when any image failed; skipped registry images are not failures.
import { buildImages, formatBuildSummary } from '../src/lab/images.js';

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const summary = await buildImages({
  images: names.length ? names : undefined,
  force: process.argv.includes('--force'),
  log: (l) => console.log(l),
});
console.log(formatBuildSummary(summary));
process.exitCode = summary.images.some((i) => i.status === 'failed') ? 1 : 0;
