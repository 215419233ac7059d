import { describe, expect, it } from 'vitest';
import { writeErrorHint } from '../../../src/executors/command-line.js';
import { mapConnectError, takePgid, writeSftp } from '../../../src/executors/ssh.js';

describe('takePgid', () => {
  it('strips the process-group marker from stderr and returns the id', () => {
    const r = takePgid(Buffer.from('sudo lecture\nTSPLAY-PGID:4242\nreal error\n'));
    expect(r.pgid).toBe(4242);
    expect(r.stderr.toString()).toBe('sudo lecture\nreal error\n');
  });
  it('leaves stderr alone when there is no marker, and ignores an empty id', () => {
    expect(takePgid(Buffer.from('TSPLAY-PGID is text\n')).stderr.toString()).toBe('TSPLAY-PGID is text\n');
    const r = takePgid(Buffer.from('TSPLAY-PGID:\nx'));
    expect(r.pgid).toBeUndefined();
    expect(r.stderr.toString()).toBe('x');
  });
  it('never returns pgid 1 (that would be init)', () => {
    expect(takePgid(Buffer.from('TSPLAY-PGID:1\n')).pgid).toBeUndefined();
  });
});

describe('mapConnectError', () => {
  const ep = { label: 'deploy@10.0.0.5:22', address: '10.0.0.5', port: 22, user: 'deploy', identityFiles: [] };
  const ctx = { what: 'web1', ep, tried: ['key /home/me/.ssh/id_ed25519', 'ssh-agent (/tmp/agent)'], timeoutMs: 5000, methodsConfigured: 2 };
  it('auth failures list what was tried', () => {
    const e = mapConnectError(Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }), ctx);
    expect(e.code).toBe('CONNECTION');
    expect(e.message).toBe('web1: authentication as deploy on 10.0.0.5:22 failed');
    expect(e.hint).toContain('key /home/me/.ssh/id_ed25519, ssh-agent (/tmp/agent)');
  });
  it('refused, unresolvable and timed-out connections say what to check', () => {
    expect(mapConnectError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), ctx).hint).toContain('port 22');
    expect(mapConnectError(Object.assign(new Error('x'), { code: 'ENOTFOUND' }), ctx).message).toContain('cannot resolve host name 10.0.0.5');
    expect(mapConnectError(Object.assign(new Error('x'), { level: 'client-timeout' }), ctx).message).toContain('timed out after 5000 ms');
  });
});

describe('writeSftp', () => {
  // A fake SFTP session: WRITE fails part way as sftp-server does on a full disk (status FAILURE).
  const session = (failWrite: boolean) => {
    const calls: string[] = [];
    const sftp = {
      open: (_p: string, _f: string, _a: unknown, cb: (e: Error | null, h?: Buffer) => void) => {
        calls.push('open');
        cb(null, Buffer.from('h'));
      },
      write: (_h: Buffer, _b: Buffer, _o: number, _l: number, _pos: number, cb: (e?: Error) => void) => {
        calls.push('write');
        cb(failWrite ? Object.assign(new Error('Failure'), { code: 4 }) : undefined);
      },
      close: (_h: Buffer, cb: (e?: Error) => void) => {
        calls.push('close');
        cb();
      },
    };
    return { sftp: sftp as unknown as Parameters<typeof writeSftp>[0], calls };
  };
  it('rejects when a WRITE fails (a full disk must not look like a finished write), and closes the handle', async () => {
    const s = session(true);
    await expect(writeSftp(s.sftp, '/srv/.x.tsplay-1', Buffer.alloc(100_000))).rejects.toMatchObject({ message: 'Failure', code: 4 });
    expect(s.calls).toEqual(['open', 'write', 'close']);
  });
  it('resolves after the handle is closed when every WRITE succeeds', async () => {
    const s = session(false);
    await writeSftp(s.sftp, '/srv/.x.tsplay-1', Buffer.from('data'));
    expect(s.calls).toEqual(['open', 'write', 'close']);
  });
});

describe('writeErrorHint', () => {
  it('asks for free space on ENOSPC and EDQUOT, for permissions otherwise', () => {
    expect(writeErrorHint('cat: write error: No space left on device')).toMatch(/free space/);
    expect(writeErrorHint('ENOSPC: no space left on device, write')).toMatch(/free space/);
    expect(writeErrorHint('Disk quota exceeded')).toMatch(/free space/);
    expect(writeErrorHint('Permission denied')).toMatch(/permissions/);
  });
});
