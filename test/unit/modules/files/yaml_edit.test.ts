import { describe, expect, it } from 'vitest';
import { yamlEdit, splitPath } from '../../../../src/modules/files/yaml_edit.js';
import { fileStateOf } from '../../../../src/modules/files/state.js';
import { putOf, runPlan } from './ctx.js';

const P = '/etc/wallarm/node.yaml';
const NODE = `# Wallarm node config
api:
  host: api.wallarm.com # EU cloud
  port: 443
filtering:
  mode: monitoring
upstreams:
- name: a
  url: http://10.0.0.1
- name: b
  url: http://10.0.0.2
`;

const cases: Array<{ name: string; input: string | null; args: Record<string, unknown>; output: string | null }> = [
  {
    name: 'sets a nested scalar keeping comments and order',
    input: NODE,
    args: { set: { 'api.host': 'us1.api.wallarm.com' } },
    output: NODE.replace('host: api.wallarm.com', 'host: us1.api.wallarm.com'),
  },
  { name: 'converged: equal value, no write', input: NODE, args: { set: { 'api.port': 443, 'filtering.mode': 'monitoring' } }, output: null },
  { name: 'a string "443" is not the number 443', input: NODE, args: { set: { 'api.port': '443' } }, output: NODE.replace('port: 443', 'port: "443"') },
  {
    name: 'list index path keeps the unindented list style',
    input: NODE,
    args: { set: { 'upstreams.1.url': 'http://10.0.0.3' } },
    output: NODE.replace('http://10.0.0.2', 'http://10.0.0.3'),
  },
  {
    name: 'adds a new nested key at the end',
    input: NODE,
    args: { set: { 'filtering.block_page': '/403.html' } },
    output: NODE.replace('  mode: monitoring\n', '  mode: monitoring\n  block_page: /403.html\n'),
  },
  { name: 'deletes a key', input: NODE, args: { delete: ['api.port'] }, output: NODE.replace('  port: 443\n', '') },
  { name: 'deleting a missing key is converged', input: NODE, args: { delete: ['api.nope', 'nope.deeper'] }, output: null },
  { name: 'structured value equal as data is converged', input: 'a:\n  b: [1, 2]\n', args: { set: { 'a.b': [1, 2] } }, output: null },
  {
    name: 'escaped dot in a key',
    input: 'labels:\n  app.kubernetes.io/name: x\n',
    args: { set: { 'labels.app\\.kubernetes\\.io/name': 'y' } },
    output: 'labels:\n  app.kubernetes.io/name: y\n',
  },
  { name: 'creates a file with create=yes', input: null, args: { set: { 'a.b': 1 }, create: true }, output: 'a:\n  b: 1\n' },
  { name: 'indented list style is kept too', input: 'l:\n  - 1\n  - 2\n', args: { set: { 'l.0': 5 } }, output: 'l:\n  - 5\n  - 2\n' },
];

describe('yaml_edit plan fixtures', () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = runPlan(yamlEdit, { path: P, ...c.args }, { dest: fileStateOf(P, c.input) });
      expect(plan.failed).toBeUndefined();
      if (c.output === null) {
        expect(plan).toMatchObject({ changed: false, commands: [] });
        return;
      }
      expect(putOf(plan)?.content.toString()).toBe(c.output);
      const again = runPlan(yamlEdit, { path: P, ...c.args }, { dest: fileStateOf(P, c.output) });
      expect(again.commands).toEqual([]);
    });
  }

  it('names the file, line and column of invalid YAML', () => {
    const plan = runPlan(yamlEdit, { path: P, set: { a: 1 } }, { dest: fileStateOf(P, 'a: 1\nb: [1,\nc: : x\n') });
    expect(plan.failed).toMatch(/^\/etc\/wallarm\/node\.yaml:\d+:\d+: not valid YAML: /);
    expect(plan.commands).toEqual([]);
  });
  it('a path through a scalar is an error naming the path', () => {
    expect(runPlan(yamlEdit, { path: P, set: { 'api.host.x': 1 } }, { dest: fileStateOf(P, NODE) }).failed).toMatch(/api\.host\.x: api\.host is a scalar/);
  });
  it('a non-numeric index into a list is an error', () => {
    expect(runPlan(yamlEdit, { path: P, set: { 'upstreams.first': 1 } }, { dest: fileStateOf(P, NODE) }).failed).toMatch(/"first" is not a list index/);
  });
  it('missing file without create fails', () => {
    expect(runPlan(yamlEdit, { path: P, set: { a: 1 } }, { dest: fileStateOf(P, null) }).failed).toMatch(/does not exist/);
  });
  it('splits dotted paths with escapes', () => {
    expect(splitPath('a.b\\.c.0')).toEqual(['a', 'b.c', '0']);
  });
});
