import { describe, expect, it } from 'vitest';
import { insertNumber, ruleWords, ufwArgs, ufwModule, ufwVersion } from '../../../../src/modules/net/ufw.js';
import { planWith, result } from '../../../fixtures/modules/system/context.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const cap = (k: string, out: string, rc = 0, err = '') => `@@cap ${k} ${rc} ${b64(out)} ${b64(err)}`;
const ACTIVE = 'Status: active\nLogging: on (low)\nDefault: deny (incoming), allow (outgoing), disabled (routed)\n';
const INACTIVE = 'Status: inactive\n';
const TUPLE = '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n';
const probe = (state: string, rules = '', extra = '') =>
  `path=/usr/bin\nufw=/usr/sbin/ufw\ngrep=/usr/bin/grep\n${cap('pre', state)}\n${cap('rules', rules)}\n${cap('version', 'ufw 0.36.2\nCopyright 2008-2023 Canonical Ltd.\n')}\n${extra}`;
const run = (args: Record<string, unknown>, out: string, check = false) => planWith(ufwModule, { args, check, probes: { ufw: out } }).plan;

describe('ufw', () => {
  it('check mode: enabled on an inactive ufw is changed, on an active one ok; reloaded is always changed', () => {
    expect(run({ state: 'enabled' }, probe(INACTIVE), true)).toMatchObject({ changed: true, commands: [] });
    expect(run({ state: 'enabled' }, probe(ACTIVE), true).changed).toBe(false);
    expect(run({ state: 'reloaded' }, probe(ACTIVE), true).changed).toBe(true);
  });

  it('check mode: default and logging read from the verbose status', () => {
    expect(run({ default: 'deny' }, probe(ACTIVE), true).changed).toBe(false);
    expect(run({ policy: 'allow', direction: 'incoming' }, probe(ACTIVE), true).changed).toBe(true);
    expect(run({ logging: 'low' }, probe(ACTIVE), true).changed).toBe(false);
    expect(run({ logging: 'high' }, probe(ACTIVE), true).changed).toBe(true);
  });

  it('check mode: a rule is changed when the dry run lists other tuples than the rules files', () => {
    expect(run({ rule: 'allow', port: '22', proto: 'tcp' }, probe(ACTIVE, TUPLE, `${cap('dry', `*filter\n${TUPLE}`)}\n`), true).changed).toBe(false);
    expect(
      run({ rule: 'allow', port: '80', proto: 'tcp' }, probe(ACTIVE, TUPLE, `${cap('dry', `${TUPLE}### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in\n`)}\n`), true).changed,
    ).toBe(true);
    expect(run({ rule: 'allow', port: '22' }, probe(ACTIVE, TUPLE, `${cap('dry', 'Skipping adding existing rule\n')}\n`), true).changed).toBe(false);
  });

  it('a real run: the commands in the module order, changed when status or rules differ afterwards', () => {
    const p = run({ rule: 'limit', port: 'ssh', proto: 'tcp', comment: 'x y', state: 'enabled' }, probe(ACTIVE, TUPLE));
    const text = p.commands[0]?.kind === 'shell' ? p.commands[0].cmd.text : '';
    expect(text).toContain("sh -c '/usr/sbin/ufw -f enable'");
    expect(text).toContain('limit from any to any port ssh proto tcp comment');
    const same = p.interpret!([result(`${cap('c0', '')}\n${cap('c1', '')}\n${cap('post', ACTIVE)}\n${cap('rules', TUPLE)}\n`)]);
    expect(same).toMatchObject({ changed: false, result: { msg: ACTIVE.trimEnd() } });
    expect(p.interpret!([result(`${cap('c0', '')}\n${cap('c1', '')}\n${cap('post', ACTIVE)}\n${cap('rules', `${TUPLE}x\n`)}\n`)]).changed).toBe(true);
    expect(p.interpret!([result(`${cap('c0', '', 1, 'ERROR: Bad port\n')}\n`)]).failed).toBe('ERROR: Bad port\n');
  });

  it('argument rules and failures as the module', () => {
    expect(ufwArgs.safeParse({ direction: 'in' }).success).toBe(false);
    expect(ufwArgs.safeParse({ rule: 'allow', name: 'OpenSSH', proto: 'tcp' }).success).toBe(false);
    expect(ufwArgs.safeParse({ rule: 'allow', interface: 'eth0' }).success).toBe(false);
    expect(run({ rule: 'allow', direction: 'routed' }, probe(ACTIVE)).failed).toBe('For rules, direction must be one of "in" and "out", or direction must not be specified.');
    expect(run({ state: 'enabled' }, 'path=/usr/bin\n').failed).toBe('Failed to find required executable "ufw" in paths: /usr/bin:/sbin:/usr/sbin:/usr/local/sbin');
  });

  it('rule words, versions and insert numbers', () => {
    expect(ruleWords(ufwArgs.parse({ rule: 'deny', route: true, interface_in: 'a', interface_out: 'b', log: true, from: '10.0.0.0/8', from_port: '1' }), null, true)).toBe(
      'route deny in on a out on b log from 10.0.0.0/8 port 1 to any',
    );
    // the module's greedy regex reads 0.36.2 as (6, 2)
    expect(ufwVersion('ufw 0.36.2\n')).toEqual([6, 2]);
    const numbered = 'Status: active\n\n     To   Action  From\n[ 1] 22/tcp ALLOW IN Anywhere\n[ 2] 80 ALLOW IN Anywhere\n[ 3] 22/tcp (v6) ALLOW IN Anywhere (v6)\n';
    expect(insertNumber(ufwArgs.parse({ rule: 'allow', insert: 1, insert_relative_to: 'zero' }), numbered)).toBe(1);
    expect(insertNumber(ufwArgs.parse({ rule: 'allow', insert: 0, insert_relative_to: 'first-ipv6' }), numbered)).toBe(3);
    expect(insertNumber(ufwArgs.parse({ rule: 'allow', insert: 1, insert_relative_to: 'last-ipv6' }), numbered)).toBeNull();
  });
});
