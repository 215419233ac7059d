// The lab can host firewall tests: with NET_ADMIN an nftables rule admits port 3313 from one peer
// and drops a third container.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WALLARM_STANDIN } from '../../../src/lab/repos.js';
import { noDocker } from '../harness/lab-context.js';
import { startTargets, type Targets } from '../harness/targets.js';

const PORT = WALLARM_STANDIN.port;
const connect = (ip: string): string => `python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], ${PORT}), timeout=2); print("open")' ${ip}`;

describe.skipIf(noDocker())('firewall smoke test', () => {
  let t: Targets;
  beforeAll(async () => {
    t = await startTargets([
      { image: 'debian-12', name: 'server', capAdd: ['NET_ADMIN'] },
      { image: 'debian-12', name: 'peer' },
      { image: 'debian-12', name: 'stranger' },
    ]);
    const inst = await t.exec('server', `DEBIAN_FRONTEND=noninteractive apt-get install -y ${WALLARM_STANDIN.package}`);
    expect(inst.rc, inst.stderr).toBe(0);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('both containers connect before the rule, only the peer after it', async () => {
    const server = t.host('server');
    let before = { peer: 1, stranger: 1 };
    for (let i = 0; i < 30 && (before.peer !== 0 || before.stranger !== 0); i++) {
      before = { peer: (await t.exec('peer', connect(server.address))).rc, stranger: (await t.exec('stranger', connect(server.address))).rc };
      if (before.peer !== 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(before).toEqual({ peer: 0, stranger: 0 });

    const rules = [
      'table inet tsplay_smoke {',
      '  chain input {',
      '    type filter hook input priority 0; policy accept;',
      `    ip saddr ${t.host('peer').address} tcp dport ${PORT} accept`,
      `    tcp dport ${PORT} drop`,
      '  }',
      '}',
    ].join('\n');
    const load = await t.exec('server', `printf '%s\\n' '${rules}' | nft -f - && nft list table inet tsplay_smoke`);
    expect(load.rc, load.stderr).toBe(0);

    expect((await t.exec('peer', connect(server.address))).stdout.trim()).toBe('open');
    const dropped = await t.exec('stranger', connect(server.address));
    expect(dropped.rc).not.toBe(0);
    expect(dropped.stderr).toMatch(/timed out/);
    // SSH on the same host is untouched by the rule.
    expect((await t.ssh('server', 'echo ok')).stdout.trim()).toBe('ok');
  });

  it('without NET_ADMIN a container cannot load rules (the capability is what makes it work)', async () => {
    const r = await t.exec('peer', `nft add table inet tsplay_denied`);
    expect(r.rc).not.toBe(0);
    expect(r.stderr).toMatch(/Operation not permitted/);
  });
});
