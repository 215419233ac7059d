// A long-lived tsplay for the differential harness: runs the CLI's `main(argv, io)` once per request
// from the parent (IPC), so the harness pays tsx's start-up (~1.5 s of CPU) once per worker instead
// of once per playbook run. One request at a time; the parent kills and replaces a worker that
// overruns its timeout. Same contract as `node bin/tsplay.mjs`: exit code, output, --json file.
import { register } from 'tsx/esm/api';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

register();
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { main } = await import(pathToFileURL(path.join(repo, 'src', 'cli', 'main.ts')).href);

process.on('message', async (m) => {
  let output = '';
  const io = { out: (t) => (output += t), err: (t) => (output += t), isTTY: false };
  let code;
  try {
    code = await main(m.argv, io);
  } catch (e) {
    output += `\n${e?.stack ? e.stack : String(e)}`;
    code = 1;
  }
  process.send({ id: m.id, code, output });
});
process.on('unhandledRejection', (e) => {
  process.stderr.write(`unhandled rejection in tsplay: ${e?.stack ? e.stack : String(e)}\n`);
});
process.send({ ready: true });
