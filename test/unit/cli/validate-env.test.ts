import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../../src/cli/main.js';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');

function capture(): Io & { text: () => string } {
  let buf = '';
  return { out: (t) => void (buf += t), err: (t) => void (buf += t), isTTY: false, text: () => buf };
}

describe('validate without secrets (the shipped upgrade playbook, its token unset)', { timeout: 60_000 }, () => {
  const argv = [path.join(REPO, 'playbooks', 'upgrade.yml'), '-i', path.join(REPO, 'inventory', 'example.yml')];
  const saved = process.env['WALLARM_API_TOKEN'];

  it('validate passes, with a warning naming the variable and the role call that needs it', async () => {
    delete process.env['WALLARM_API_TOKEN'];
    const io = capture();
    const code = await main(['validate', ...argv], io);
    if (saved !== undefined) process.env['WALLARM_API_TOKEN'] = saved;
    expect(code).toBe(0);
    expect(io.text()).toMatch(/upgrade\.yml:\d+:\d+: environment variable WALLARM_API_TOKEN is not set; `tsplay run` will need it \(a param of role install-postanalytics\)/);
    // Only the variable asked about is named: no listing of the controller's other variables.
    expect(io.text()).not.toMatch(/PATH|HOME/);
  });

  it('run refuses before contacting any host, saying what to export', async () => {
    delete process.env['WALLARM_API_TOKEN'];
    const io = capture();
    const code = await main(['run', ...argv], io);
    if (saved !== undefined) process.env['WALLARM_API_TOKEN'] = saved;
    expect(code).not.toBe(0);
    expect(io.text()).toMatch(/undefined variable 'env\.WALLARM_API_TOKEN'/);
    expect(io.text()).toMatch(/export WALLARM_API_TOKEN=/);
    // No host was contacted: no task line, no recap, no unreachable host.
    expect(io.text()).not.toMatch(/UNREACHABLE|ok=\d|TASK \[/);
  });
});
