// A worker thread that runs tsplay's main(argv) in-process for the fuzz suite: the parent can
// terminate it when a case runs past its time limit (a busy loop blocks only this thread) and
// bounds its heap with resourceLimits.
//
// `mutant` (the suite's self-test only) turns this into a known-bad build, so the suite proves it
// goes red: 'stack' throws a TypeError wherever tsplay would report a validation error, 'hang'
// never answers, 'oom' allocates without bound, 'unplaced' drops the location from every error.
import { parentPort, workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../../../src/cli/main.ts', import.meta.url);
const mutant = workerData?.mutant;

parentPort.on('message', async ({ id, argv, cwd }) => {
  let text = '';
  const io = { out: (t) => void (text += t), err: (t) => void (text += t), isTTY: false };
  let code;
  try {
    if (cwd) process.chdir?.(cwd);
    if (mutant === 'hang') for (;;);
    if (mutant === 'oom') {
      const hoard = [];
      for (;;) hoard.push(new Array(1e6).fill(hoard.length));
    }
    code = await main(argv, io);
    if (mutant === 'stack' && code === 4) {
      // what an uncaught error looks like from the CLI: its stack on stderr, exit 1
      text = `${new TypeError("Cannot read properties of undefined (reading 'line')").stack}\n`;
      code = 1;
    }
    if (mutant === 'unplaced' && (code === 4 || code === 5)) text = 'error: invalid input\n';
  } catch (e) {
    text += `main() threw: ${e?.stack ?? e}`;
    code = -1;
  }
  parentPort.postMessage({ id, code, text });
});
parentPort.postMessage({ ready: true });
