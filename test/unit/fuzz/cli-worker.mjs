// A worker thread that runs tsplay's main(argv) in-process for the fuzz suite: the parent can
// terminate it when a case runs past its time limit (a busy loop blocks only this thread) and
// bounds its heap with resourceLimits.
import { parentPort } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../../../src/cli/main.ts', import.meta.url);

parentPort.on('message', async ({ id, argv, cwd }) => {
  let text = '';
  const io = { out: (t) => void (text += t), err: (t) => void (text += t), isTTY: false };
  let code;
  try {
    if (cwd) process.chdir?.(cwd);
    code = await main(argv, io);
  } catch (e) {
    text += `main() threw: ${e?.stack ?? e}`;
    code = -1;
  }
  parentPort.postMessage({ id, code, text });
});
parentPort.postMessage({ ready: true });
