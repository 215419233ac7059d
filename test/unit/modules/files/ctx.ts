import { renderString, renderTemplateFile } from '../../../../src/template/index.js';
import type { PlanContext, ModuleDef, Plan } from '../../../../src/modules/types.js';
import type { HostFacts } from '../../../../src/facts/types.js';
import type { Command, PutCommand } from '../../../../src/commands/types.js';

export const facts: HostFacts = {
  hostname: 'node1',
  os: { id: 'debian', idLike: [], family: 'debian', version: '12', major: '12', name: 'Debian 12' },
  arch: 'x86_64',
  kernel: '6.1',
  pkgMgr: 'apt',
  serviceMgr: 'systemd',
  firewall: { nft: true, iptables: false, ufw: false, firewalld: false },
  addresses: [],
  memoryMb: 1024,
  cpus: 2,
  user: 'root',
  isRoot: true,
};

/** A PlanContext with probes already "run" and controller files from a map. */
export function planCtx(
  probed: Record<string, unknown>,
  opts: { files?: Record<string, string>; modes?: Record<string, string>; vars?: Record<string, unknown>; check?: boolean } = {},
): PlanContext {
  const vars = opts.vars ?? {};
  return {
    host: 'node1',
    facts,
    probed,
    check: opts.check ?? false,
    diff: true,
    vars,
    readControllerFile(path) {
      const f = opts.files?.[path];
      if (f === undefined) throw new Error(`no such controller file ${path}`);
      return Buffer.from(f, 'utf8');
    },
    controllerFileMode(path) {
      return opts.modes?.[path] ?? '0644';
    },
    renderTemplate(text, extra) {
      return renderString(text, { ...vars, facts, ...(extra ?? {}) }, { file: 'test' });
    },
    renderTemplateFile(src, o) {
      const f = opts.files?.[src];
      if (f === undefined) throw new Error(`no such controller file ${src}`);
      return renderTemplateFile(f, { ...vars, facts }, { file: src }, { ...o, name: src });
    },
    evaluate: () => true,
    evaluateValue: () => undefined,
  };
}

/** Validate args like the engine would, then plan. */
export function runPlan<A>(mod: ModuleDef<A>, args: Record<string, unknown>, probed: Record<string, unknown>, opts: Parameters<typeof planCtx>[1] = {}): Plan {
  const a = mod.args.parse(args);
  return mod.plan(a, planCtx(probed, opts));
}

/** The shell text of each command (puts shown as `put PATH mode owner:group`). */
export function cmdLines(cmds: Command[]): string[] {
  return cmds.map((c) =>
    c.kind === 'put' ? `put ${c.path} ${c.mode ?? '-'} ${c.owner ?? '-'}:${c.group ?? '-'}` : c.kind === 'shell' ? c.cmd.text : `controller-write ${c.path}`,
  );
}

export function putOf(plan: Plan): PutCommand | undefined {
  return plan.commands.filter((c): c is PutCommand => c.kind === 'put').at(-1);
}
