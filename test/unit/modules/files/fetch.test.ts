import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch, fetchProbe, normpath, type FetchArgs } from '../../../../src/modules/files/fetch.js';
import type { PlanContext } from '../../../../src/modules/types.js';
import type { ControllerWriteCommand } from '../../../../src/commands/types.js';
import { controllerDwim, inspectControllerPath, writeControllerFile } from '../../../../src/engine/files.js';
import { debian12 } from '../../../fixtures/modules/system/facts.js';
import { runLocal } from '../../../fixtures/modules/system/sh.js';

/** Plan fetch as the engine does: the probe run in the local sh, the controller helpers on a temp playbook dir. */
function planFetchLocal(args: FetchArgs, o: { check?: boolean; playbookDir?: string; home?: string } = {}) {
  const a = fetch.args.parse(args) as FetchArgs;
  const base = {
    host: 'web1',
    facts: debian12,
    check: o.check ?? false,
    diff: false,
    vars: {},
    readControllerFile: () => Buffer.alloc(0),
    renderTemplate: (t: string) => t,
    renderTemplateFile: () => '',
    evaluate: () => true,
    evaluateValue: () => undefined,
    controllerDwim: controllerDwim(o.playbookDir ?? '/nonexistent-playbook-dir'),
    inspectControllerPath,
  };
  const probes = fetch.probes!(a, base);
  const probed: Record<string, unknown> = {};
  for (const p of probes) probed[p.key] = p.parse(runLocal(p.cmd.text, o.home ? { env: { HOME: o.home } } : {}));
  const ctx: PlanContext = { ...base, probed };
  return { plan: fetch.plan(a, ctx), probes };
}

/** Run the plan's controller writes as the engine does, then interpret. */
function apply(plan: ReturnType<typeof planFetchLocal>['plan']) {
  const outputs = plan.commands.map((c) => writeControllerFile((c as ControllerWriteCommand).path, (c as ControllerWriteCommand).content));
  return plan.interpret ? plan.interpret(outputs) : { changed: plan.changed, failed: plan.failed, result: plan.result };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'tsplay-fetch-'));

describe('fetch', () => {
  it('copies to dest/<host>/<src path> on the controller, then reports unchanged', () => {
    const remote = tmp();
    const ctl = tmp();
    const src = join(remote, `we'ird $(x) ✓.bin`);
    writeFileSync(src, Buffer.from([0, 1, 255, 10]));
    const first = planFetchLocal({ src, dest: ctl });
    expect(first.plan.commands).toHaveLength(1);
    const c = first.plan.commands[0] as ControllerWriteCommand;
    expect(c.kind).toBe('controller-write');
    expect(c.path).toBe(`${ctl}/web1${src}`);
    const o = apply(first.plan);
    expect(o.changed).toBe(true);
    expect(readFileSync(`${ctl}/web1${src}`)).toEqual(Buffer.from([0, 1, 255, 10]));
    expect(o.result).toMatchObject({
      dest: `${ctl}/web1${src}`,
      checksum: createHash('sha1')
        .update(Buffer.from([0, 1, 255, 10]))
        .digest('hex'),
      md5sum: createHash('md5')
        .update(Buffer.from([0, 1, 255, 10]))
        .digest('hex'),
      remote_md5sum: null,
    });
    expect(o.result?.['checksum']).toBe(o.result?.['remote_checksum']);
    const again = planFetchLocal({ src, dest: ctl });
    expect(again.plan.commands).toEqual([]);
    expect(again.plan.changed).toBe(false);
    expect(again.plan.result).toMatchObject({ file: src, dest: `${ctl}/web1${src}`, checksum: o.result?.['checksum'], md5sum: o.result?.['md5sum'] });
  });

  it('flat: dest/ takes the basename, an existing dir without a slash fails, a relative dest is beside the playbook', () => {
    const remote = tmp();
    const pb = tmp();
    const src = join(remote, 'a.txt');
    writeFileSync(src, 'alpha\n');
    mkdirSync(join(pb, 'out'));
    const slash = planFetchLocal({ src, dest: `${join(pb, 'out')}/`, flat: true });
    expect((slash.plan.commands[0] as ControllerWriteCommand).path).toBe(join(pb, 'out', 'a.txt'));
    const noSlash = planFetchLocal({ src, dest: join(pb, 'out'), flat: true });
    expect(noSlash.plan.failed).toBe('dest is an existing directory, use a trailing slash if you want to fetch src into that directory');
    const rel = planFetchLocal({ src, dest: 'sub/../named.txt', flat: true }, { playbookDir: pb });
    expect((rel.plan.commands[0] as ControllerWriteCommand).path).toBe(join(pb, 'named.txt'));
  });

  it('missing and directory sources: Ansible’s messages, failing unless fail_on_missing is off', () => {
    const remote = tmp();
    const missing = join(remote, 'nope');
    expect(planFetchLocal({ src: missing, dest: '/x' }).plan.failed).toBe('the remote file does not exist, not transferring, ignored');
    const okMissing = planFetchLocal({ src: missing, dest: '/x', fail_on_missing: false }).plan;
    expect(okMissing.failed).toBeUndefined();
    expect(okMissing.result).toMatchObject({ file: missing, changed: false, msg: 'the remote file does not exist, not transferring, ignored' });
    expect(planFetchLocal({ src: remote, dest: '/x' }).plan.failed).toBe('remote file is a directory, fetch cannot work on directories');
    const okDir = planFetchLocal({ src: remote, dest: '/x', fail_on_missing: 'no' as unknown as boolean }).plan;
    expect(okDir.failed).toBeUndefined();
    expect(okDir.result?.['msg']).toBe('remote file is a directory, fetch cannot work on directories, not transferring, ignored');
  });

  it('expands a leading ~ on the host (the rest literal), and is skipped in check mode without probing', () => {
    const home = tmp();
    writeFileSync(join(home, '$HOME x'), 'h\n');
    const ctl = tmp();
    const { plan } = planFetchLocal({ src: '~/$HOME x', dest: ctl }, { home });
    expect((plan.commands[0] as ControllerWriteCommand).path).toBe(`${ctl}/web1${home}/$HOME x`);
    const chk = planFetchLocal({ src: '/etc/hostname', dest: ctl }, { check: true });
    expect(chk.probes).toEqual([]);
    expect(chk.plan.result).toMatchObject({ skipped: true, msg: 'check mode not (yet) supported for this module' });
  });

  it('src or dest missing fails with the action’s words; a controller write error is reported as Python’s', () => {
    expect(planFetchLocal({ dest: '/x' }).plan.failed).toBe('src and dest are required');
    const remote = tmp();
    const ctl = tmp();
    const src = join(remote, 'f');
    writeFileSync(src, 'x');
    mkdirSync(`${ctl}/web1${src}`, { recursive: true });
    const o = apply(planFetchLocal({ src, dest: ctl }).plan);
    expect(o.failed).toBe(`Failed to fetch the file: [Errno 21] Is a directory: '${ctl}/web1${src}'`);
  });

  it('normpath as Python', () => {
    expect(normpath('/a//b/./c/../d/')).toBe('/a/b/d');
    expect(normpath('//a')).toBe('//a');
    expect(normpath('///a')).toBe('/a');
    expect(normpath('../x/..')).toBe('..');
    expect(normpath('/../x')).toBe('/x');
  });

  it('the probe keeps a hostile path one literal word', () => {
    const p = fetchProbe(`/tmp/tsplay-nope-$(touch /tmp/tsplay-pwned)'"`);
    expect(runLocal(p.cmd.text).stdout).toContain('ENOENT');
    expect(() => readFileSync('/tmp/tsplay-pwned')).toThrow();
  });
});
