import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExecutor, LocalExecutor, SshExecutor } from '../../../src/executors/index.js';
import { gatherFacts } from '../../../src/facts/gather.js';

const dir = mkdtempSync(join(tmpdir(), 'tsplay-local-'));
const ex = new LocalExecutor({ host: 'localhost' });

describe('LocalExecutor', () => {
  it('returns rc, stdout and stderr without throwing on failure', async () => {
    const r = await ex.run('echo out; echo err >&2; exit 3');
    expect(r).toMatchObject({ rc: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('feeds stdin and closes it (cat terminates)', async () => {
    expect((await ex.run('cat', { stdin: 'secret-token' })).stdout).toBe('secret-token');
    expect((await ex.run('cat')).stdout).toBe('');
  });

  it('passes env and cwd with hostile values without executing them', async () => {
    const canary = join(dir, 'canary');
    const v = `it's "q" $(touch ${canary}) \`touch ${canary}\`\nline2 ✓`;
    const r = await ex.run('printf %s "$V"; echo; pwd', { env: { V: v }, cwd: dir });
    expect(r.stdout).toBe(`${v}\n${dir}\n`);
    expect(existsSync(canary)).toBe(false);
  });

  it('kills a command at its timeout and says so', async () => {
    const r = await ex.run('sleep 30; echo never', { timeoutMs: 200 });
    expect(r.timedOut).toBe(true);
    expect(r.rc).toBe(124);
    expect(r.stdout).toBe('');
  });

  it('put is atomic with mode, keeps the old mode on rewrite, leaves no temp files; get reads back bytes', async () => {
    const p = join(dir, 'conf.txt');
    await ex.put(p, 'a=1\n', { mode: '0600' });
    expect((statSync(p).mode & 0o777).toString(8)).toBe('600');
    await ex.put(p, Buffer.from([0, 255, 10]));
    expect((statSync(p).mode & 0o777).toString(8)).toBe('600');
    expect(await ex.get(p)).toEqual(Buffer.from([0, 255, 10]));
    expect(readdirSync(dir).filter((f) => f.includes('.tsplay-'))).toEqual([]);
    expect(await ex.get(join(dir, 'missing'))).toBeNull();
  });

  it('put into a missing directory is a clear error naming path and host', async () => {
    await expect(ex.put(join(dir, 'no', 'such', 'f'), 'x')).rejects.toThrow(/cannot write .*no\/such\/f on localhost/);
  });

  it('rejects a mode that is not octal', async () => {
    await expect(ex.put(join(dir, 'm'), 'x', { mode: 'rw-r--r--' })).rejects.toThrow(/octal/);
  });

  it.runIf(userInfo().username === 'root')('become as root needs no sudo; become_user runs as that user', async () => {
    expect((await ex.run('id -un', { become: true })).stdout.trim()).toBe('root');
    expect((await ex.run('id -un', { become: true, becomeUser: 'nobody' })).stdout.trim()).toBe('nobody');
    const owned = join(dir, 'owned');
    writeFileSync(owned, 'x');
    await ex.put(owned, 'y', { owner: 'nobody', mode: '0644' });
    expect(statSync(owned).uid).not.toBe(0);
  });
});

describe('facts through LocalExecutor', () => {
  it('the same script gathers this machine’s facts without ssh', async () => {
    const f = await gatherFacts(ex);
    expect(f.hostname).toBe(hostname());
    expect(f.user).toBe(userInfo().username);
    expect(f.cpus).toBeGreaterThan(0);
    expect(f.os.id).not.toBe('unknown');
  });
});

describe('createExecutor', () => {
  it('picks the executor from the connection type without connecting', () => {
    expect(createExecutor({ host: 'localhost', connection: 'local', address: 'localhost' })).toBeInstanceOf(LocalExecutor);
    const s = createExecutor({ host: 'web1', connection: 'ssh', address: '127.0.0.1', port: 1 });
    expect(s).toBeInstanceOf(SshExecutor);
    expect(s.host).toBe('web1');
  });
});
