// No half-written file (issue 12): a file put over SSH is written to a temp file beside the
// target and renamed into place, so a connection killed at any point of the transfer leaves the
// old content or the new one — never a truncated or mixed file. The connection runs through a TCP
// relay on loopback that is cut at a random moment of a large write, 50 times.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshExecutor } from '../../../src/executors/ssh.js';
import { startSshd, sshdAvailable, type Sshd } from '../../support/sshd.js';

/** A relay to sshd whose connections the test can cut. */
function relay(port: number): Promise<{ port: number; cut(): void; close(): Promise<void> }> {
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const up = netConnect(port, '127.0.0.1');
    open.add(client).add(up);
    client.pipe(up).pipe(client);
    const gone = () => {
      client.destroy();
      up.destroy();
      open.delete(client);
      open.delete(up);
    };
    client.on('error', gone).on('close', gone);
    up.on('error', gone).on('close', gone);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as { port: number }).port,
        cut: () => {
          for (const s of open) s.destroy();
        },
        close: () =>
          new Promise<void>((r) => {
            for (const s of open) s.destroy();
            server.close(() => r());
          }),
      }),
    ),
  );
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.runIf(sshdAvailable())('a connection killed mid-write leaves the old file or the new one', () => {
  let sshd: Sshd;
  let r: Awaited<ReturnType<typeof relay>>;
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-atomic-'));
  const target = join(dir, 'big.bin');
  beforeAll(async () => {
    sshd = await startSshd();
    r = await relay(sshd.port);
  });
  afterAll(async () => {
    await r?.close();
    await sshd?.stop();
  });

  it('50 cuts at random points of an 8 MiB write: the file is always whole, old or new, with its mode', async () => {
    const spec = () => sshd.spec({ port: r.port, hostKeyChecking: 'off' });
    const versions = [randomBytes(8 << 20), randomBytes(8 << 20)];
    const known = new Set(versions.map(sha));
    // How long an uncut write takes here: the cuts fall anywhere inside it.
    const first = new SshExecutor(spec());
    const t0 = Date.now();
    await first.put(target, versions[0]!, { mode: '0640' });
    const full = Math.max(50, Date.now() - t0);
    await first.close();

    let cutMidway = 0;
    let completed = 0;
    for (let i = 0; i < 50; i++) {
      const ex = new SshExecutor(spec());
      await ex.run('true'); // connected: the cut lands in the transfer, not the handshake
      const next = versions[(i + 1) % 2]!;
      const timer = setTimeout(() => r.cut(), Math.floor(Math.random() * full * 1.2));
      const outcome = await ex.put(target, next, { mode: '0640' }).then(
        () => 'written',
        (e: Error) => e.message,
      );
      clearTimeout(timer);
      await ex.close().catch(() => undefined);
      const now = readFileSync(target);
      expect(known.has(sha(now)), `cut ${i}: the file is neither the old nor the new content (${now.length} bytes; put: ${outcome})`).toBe(true);
      expect(statSync(target).mode & 0o777, `cut ${i}: mode`).toBe(0o640);
      if (outcome === 'written') {
        completed++;
        expect(sha(now), `cut ${i}: a write that reported success left other content`).toBe(sha(next));
      } else cutMidway++;
    }
    console.log(`atomic write: ${cutMidway} of 50 writes cut mid-transfer, ${completed} completed before the cut; uncut write ${full} ms`);
    expect(cutMidway).toBeGreaterThan(10);
    // Leftover temp files of cut writes are hidden dot-files beside the target, never the target itself.
    for (const f of readdirSync(dir)) if (f !== 'big.bin') expect(f).toMatch(/^\.big\.bin\.tsplay-/);
    writeFileSync(join(dir, 'done'), '');
  }, 600_000);
});
