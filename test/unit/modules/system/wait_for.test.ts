import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForModule } from '../../../../src/modules/system/wait_for.js';
import type { ShellCommand } from '../../../../src/commands/types.js';
import { planWith, result } from '../../../fixtures/modules/system/context.js';
import { runLocalAsync } from '../../../fixtures/modules/system/sh.js';

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((s) => {
    s.on('error', () => {}); // the probe closes abruptly
    s.end('SSH-2.0-OpenSSH_9.2 tsplay\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function wait(args: Record<string, unknown>, env?: Record<string, string>) {
  const { plan } = planWith(waitForModule, { args });
  expect(plan.changed).toBe(false);
  const c = plan.commands[0] as ShellCommand;
  const r = await runLocalAsync(c.cmd.text, { env });
  return plan.interpret!([r]);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

describe('wait_for (real shell loop on loopback)', () => {
  it('an open port → ok, not changed', async () => {
    const o = await wait({ port, timeout: 5 });
    expect(o.failed).toBeUndefined();
    expect(o.changed).toBe(false);
    expect(o.result).toMatchObject({ port, state: 'started' });
  });

  it('a closed port times out with Ansible’s message', async () => {
    const closed = await freePort();
    const o = await wait({ host: '127.0.0.1', port: closed, timeout: 1, sleep: 0.2 });
    expect(o.failed).toBe(`Timeout when waiting for 127.0.0.1:${closed}`);
  });

  it('state stopped: a closed port is ok, an open one times out', async () => {
    const closed = await freePort();
    expect((await wait({ port: closed, state: 'stopped', timeout: 2 })).failed).toBeUndefined();
    expect((await wait({ port, state: 'stopped', timeout: 1, sleep: 0.2 })).failed).toBe(`Timeout when waiting for 127.0.0.1:${port} to stop.`);
  });

  it('search_regex reads the banner', async () => {
    expect((await wait({ port, search_regex: 'OpenSSH', timeout: 3 })).failed).toBeUndefined();
    const o = await wait({ port, search_regex: 'nginx', timeout: 1, sleep: 0.2, connect_timeout: 1 });
    expect(o.failed).toBe(`Timeout when waiting for search string nginx in 127.0.0.1:${port}`);
  });

  it('falls back to nc, or fails clearly when neither bash nor nc exists', async () => {
    const o = await wait({ port, timeout: 1 }, { PATH: '/nonexistent' });
    // date/sleep are missing too without PATH, so only the tool check can be asserted.
    expect(o.failed).toBe('wait_for needs bash (/dev/tcp) or nc on the host to check a TCP port');
  });

  it('path present with search_regex, path absent, custom msg', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-wait-'));
    const f = join(dir, "ready it's.log");
    writeFileSync(f, 'starting\nlistening on port 8080\n');
    expect((await wait({ path: f, search_regex: 'port \\d+', timeout: 2 })).failed).toBeUndefined();
    expect((await wait({ path: f, search_regex: 'crashed', timeout: 1, sleep: 0.2 })).failed).toBe(`Timeout when waiting for search string crashed in ${f}`);
    expect((await wait({ path: join(dir, 'gone'), state: 'absent', timeout: 2 })).failed).toBeUndefined();
    expect((await wait({ path: f, state: 'absent', timeout: 1, sleep: 0.2, msg: 'still there' })).failed).toBe('still there');
    expect((await wait({ path: join(dir, 'nope'), timeout: 1, sleep: 0.2 })).failed).toBe(`Timeout when waiting for file ${join(dir, 'nope')}`);
  });

  it('hostile host, path and regex never execute', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-wait-'));
    const marker = join(dir, 'pwned');
    process.env.TSPLAY_PWNED = marker;
    const evil = `$(touch "$TSPLAY_PWNED")\`touch $TSPLAY_PWNED\`'"`;
    await wait({ host: evil, port: 1, timeout: 0, sleep: 0.1, connect_timeout: 1 });
    await wait({ path: join(dir, evil), timeout: 0, sleep: 0.1 });
    writeFileSync(join(dir, 'f'), 'x');
    await wait({ path: join(dir, 'f'), search_regex: evil, timeout: 0, sleep: 0.1 });
    expect(existsSync(marker)).toBe(false);
  });

  it('argument rules and check mode', () => {
    expect(planWith(waitForModule, { args: { port: 1, path: '/x' } }).plan.failed).toBe('port and path parameter can not both be passed to wait_for');
    expect(planWith(waitForModule, { args: { port: 1, state: 'drained' } }).plan.failed).toMatch(/drained/);
    expect(() => planWith(waitForModule, { args: { port: 70000 } })).toThrow();
    const { plan } = planWith(waitForModule, { args: { port: 22 } });
    expect(plan.unpredictable).toBe(true);
    expect((plan.commands[0] as ShellCommand).timeoutMs).toBeGreaterThan(300_000);
  });

  it('interpret: rc 1 is the timeout (data fixture)', () => {
    const { plan } = planWith(waitForModule, { args: { host: 'db', port: 5432 } });
    expect(plan.interpret!([result({ rc: 1, stdout: 'tsplay:elapsed=300\n' })])).toMatchObject({ failed: 'Timeout when waiting for db:5432', result: { elapsed: 300 } });
  });
});
