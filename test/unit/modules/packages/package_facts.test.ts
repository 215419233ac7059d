import { describe, expect, it } from 'vitest';
import { packageFactsModule, parsePackageFacts } from '../../../../src/modules/packages/package_facts.js';
import { planWith, result } from '../../../fixtures/modules/system/context.js';
import { rocky9 } from '../../../fixtures/modules/system/facts.js';
import { runLocal } from '../../../fixtures/modules/system/sh.js';

const aptJson = 'apt-json\t[["bash", "5.2.15-2+b8", "amd64", "shells", ""], ["libc6:i386", "2.36-9", "i386", "libs", "Debian"]]\n';

describe('package_facts', () => {
  it('apt: name → list of {name, version, arch, category, origin, source}, as ansible_facts.packages', () => {
    const { plan, probeKeys } = planWith(packageFactsModule, { args: {}, probes: { 'pkgs-apt': aptJson, 'pkgs-rpm': 'no-rpm\n' } });
    expect(probeKeys).toEqual(['pkgs-apt', 'pkgs-rpm']);
    expect(plan.commands).toEqual([]);
    expect(plan.changed).toBe(false);
    expect(plan.result).toEqual({
      ansible_facts: {
        packages: {
          bash: [{ name: 'bash', version: '5.2.15-2+b8', arch: 'amd64', category: 'shells', origin: '', source: 'apt' }],
          'libc6:i386': [{ name: 'libc6:i386', version: '2.36-9', arch: 'i386', category: 'libs', origin: 'Debian', source: 'apt' }],
        },
      },
    });
    expect(plan.gatheredFacts?.ansible).toEqual({ packages: (plan.result!.ansible_facts as { packages: unknown }).packages });
  });

  it('rpm: release and epoch (null when unset), several versions of one name in one list', () => {
    const rpm =
      'rpm\tkernel\t5.14.0\t427.el9\t(none)\tx86_64\nrpm\tkernel\t5.14.0\t503.el9\t(none)\tx86_64\nrpm\tperl-Foo\t1.0\t1\t4\tnoarch\nrpm\tgpg-pubkey\tabc\tdef\t(none)\t(none)\n';
    const { plan } = planWith(packageFactsModule, { args: { manager: 'rpm' }, facts: rocky9, probes: { 'pkgs-rpm': rpm } });
    const pk = (plan.result!.ansible_facts as { packages: Record<string, unknown[]> }).packages;
    expect(pk.kernel).toHaveLength(2);
    expect(pk['perl-Foo']).toEqual([{ name: 'perl-Foo', version: '1.0', release: '1', epoch: 4, arch: 'noarch', source: 'rpm' }]);
    expect(pk['gpg-pubkey']).toEqual([{ name: 'gpg-pubkey', version: 'abc', release: 'def', epoch: null, arch: null, source: 'rpm' }]);
  });

  it('strategy all merges every manager found; first stops at the first', () => {
    const probes = { 'pkgs-apt': aptJson, 'pkgs-rpm': 'rpm\tfoo\t1\t1\t(none)\tnoarch\n' };
    const all = planWith(packageFactsModule, { args: { strategy: 'all' }, probes }).plan;
    expect(Object.keys((all.result!.ansible_facts as { packages: object }).packages)).toEqual(['bash', 'libc6:i386', 'foo']);
    const first = planWith(packageFactsModule, { args: {}, probes }).plan;
    expect(Object.keys((first.result!.ansible_facts as { packages: object }).packages)).toEqual(['bash', 'libc6:i386']);
  });

  it('no usable manager, an unknown one, or a bad argument fail with ansible’s words', () => {
    const none = planWith(packageFactsModule, { args: { manager: ['apt'] }, probes: { 'pkgs-apt': 'no-apt\n' } }).plan;
    expect(none.failed).toMatch(/^Could not detect a supported package manager from the following list: \['apt'\]/);
    expect(planWith(packageFactsModule, { args: { manager: 'zypper' } }).plan.failed).toBe('Unsupported package managers requested: zypper');
    expect(() => planWith(packageFactsModule, { args: { managers: 'apt' } })).toThrow(/managers/);
  });

  it('the dpkg fallback (no python3-apt) keeps installed and held packages, sorted', () => {
    const dir = runLocal('d=$(mktemp -d); printf "#!/bin/sh\\nexit 1\\n" > $d/python3; chmod +x $d/python3; echo $d').stdout.trim();
    runLocal(
      `cat > ${dir}/dpkg-query <<'X'\n#!/bin/sh\nprintf 'ii \\tzsh\\t5.9\\tamd64\\tshells\\nrc \\told\\t1\\tall\\tmisc\\nhi \\tbash\\t5.2\\tamd64\\tshells\\n'\nX\nchmod +x ${dir}/dpkg-query`,
    );
    const { probeCmds } = planWith(packageFactsModule, { args: { manager: 'apt' }, probes: { 'pkgs-apt': '' } });
    const out = runLocal(probeCmds[0]!, { env: { PATH: `${dir}:/usr/bin:/bin` } });
    const parsed = parsePackageFacts(out);
    expect(parsed.packages.map((p) => `${p.name} ${p.version} ${p.origin}`)).toEqual(['bash 5.2 ', 'zsh 5.9 ']);
  });

  it('the python3-apt reading runs as written (a real python3)', () => {
    const { probeCmds } = planWith(packageFactsModule, { args: { manager: 'apt' }, probes: { 'pkgs-apt': '' } });
    const r = result(runLocal(probeCmds[0]!).stdout);
    // Whatever this machine has: either reading yields records with every field, never an error.
    const p = parsePackageFacts(r).packages[0];
    if (p) expect(Object.keys(p).sort()).toEqual(['arch', 'category', 'name', 'origin', 'source', 'version']);
  });
});
