/**
 * The hostile inputs that once crashed, hung or misled tsplay (issue 12's list), as fixed cases:
 * each must end in a clean message with the right exit code, in bounded time and memory. `code`
 * is the exit code a user gets; `match`, when given, is what the message must say (a location, the
 * offending argument). `$D` is the case's directory.
 */
import type { FuzzCase } from './generators.js';

export interface Reproducer extends Omit<FuzzCase, 'kind'> {
  name: string;
  code: number;
  match?: RegExp;
}

const PB = '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: {msg: hi}\n';
const INV = 'h1\nh2\n[web]\nh1\n';
const run = (extra: string[] = []) => ['run', '$D/pb.yml', '-i', '$D/inv.ini', '--check', '--no-history', '-e', 'ansible_connection=local', ...extra];
const base = (files: FuzzCase['files'] = {}) => ({ 'pb.yml': PB, 'inv.ini': INV, ...files });
const aliases = (n: number) => `base: &b {k: 1}\n${Array.from({ length: n }, (_, i) => `v${i}: *b`).join('\n')}\n`;
// "billion laughs": each level refers to the one before ten times
const laughs = () => {
  const lines = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 12; i++)
    lines.push(
      `l${i}: &l${i} [${Array(10)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
};
const diamond = (levels: number) => {
  const g: Record<string, unknown> = {};
  for (let i = 0; i < levels; i++) g[`a${i}`] = { children: { [`a${i + 1}`]: {}, [`b${i + 1}`]: {} } };
  for (let i = 0; i < levels; i++) g[`b${i}`] = { children: { [`a${i + 1}`]: {}, [`b${i + 1}`]: {} } };
  g[`a${levels}`] = { hosts: { h1: {} } };
  return JSON.stringify({ all: { children: g } });
};

const LIST: Reproducer[] = [
  // YAML aliases: recursion, counts and expansion
  { name: 'recursive alias in a playbook', files: { 'pb.yml': '- &a {hosts: all, vars: {x: *a}}\n' }, argv: ['validate', '$D/pb.yml'], code: 4, match: /pb\.yml:1:\d+/ },
  { name: 'recursive alias in an inventory', files: base({ 'inv.yml': 'all: &a {vars: {x: *a}}\n' }), argv: ['inventory', '-i', '$D/inv.yml'], code: 4, match: /inv\.yml/ },
  { name: 'recursive alias in a vars file', files: base({ 'v.yml': 'a: &a [*a]\n' }), argv: [...run(), '-e', '@$D/v.yml'], code: 4, match: /v\.yml/ },
  { name: '150 alias references in a vars file (PyYAML accepts them)', files: base({ 'v.yml': aliases(150) }), argv: [...run(), '-e', '@$D/v.yml'], code: 0 },
  {
    name: '150 alias references in an inventory',
    files: base({ 'inv.yml': `all:\n  vars:\n${aliases(150).trimEnd().replace(/^/gm, '    ')}\n  hosts: {h1: {}}\n` }),
    argv: ['inventory', '-i', '$D/inv.yml'],
    code: 0,
  },
  { name: 'billion laughs vars file', files: base({ 'v.yml': laughs() }), argv: [...run(), '-e', '@$D/v.yml'], code: 4, match: /v\.yml/ },
  // -e values
  { name: "-e '{broken'", files: base(), argv: [...run(), '-e', '{broken'], code: 5, match: /\{broken|-e/ },
  { name: '-e @list.yml (a list is not variables)', files: base({ 'list.yml': '- a\n- b\n' }), argv: [...run(), '-e', '@$D/list.yml'], code: 5, match: /list\.yml/ },
  { name: '-e 5,000 levels deep', files: base(), argv: [...run(), '-e', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`], code: 5, match: /-e|deep|nest/ },
  // reports into places that cannot take them
  { name: '--json into a directory', files: base({ 'out/x': '' }), argv: run(['--json', '$D/out']), code: 5, match: /out/ },
  { name: '--json into a missing directory', files: base(), argv: run(['--json', '$D/missing/dir/r.json']), code: 5, match: /missing/ },
  // A report that cannot be written is an error on the console; the run's own exit code stands.
  { name: '--junit into /dev/full', files: base(), argv: run(['--junit', '/dev/full']), code: 0, match: /--junit \/dev\/full was not written: ENOSPC/ },
  {
    name: '--history into a missing directory is not created',
    files: base(),
    argv: ['run', '$D/pb.yml', '-i', '$D/inv.ini', '--check', '--history', '$D/no/such/h.sqlite', '-e', 'ansible_connection=local'],
    code: 0,
    match: /could not record the run in history: .*the directory .*no\/such does not exist/,
  },
  // group_vars / host_vars
  { name: '<<: 5 in group_vars', files: base({ 'group_vars/all.yml': '<<: 5\n' }), argv: run(), code: 4, match: /all\.yml:1:\d+/ },
  { name: 'dangling symlink in host_vars', files: base({ 'host_vars/h1.yml': { symlink: '/nonexistent/target' } }), argv: run(), code: 4, match: /h1\.yml/ },
  { name: 'looping symlink in host_vars', files: base({ 'host_vars/h1.yml': { symlink: 'h1.yml' } }), argv: run(), code: 4, match: /h1\.yml/ },
  // inventories
  { name: 'INI value nested 3,000 deep', files: base({ 'inv.ini': `h1 x=${'['.repeat(3000)}${']'.repeat(3000)}\n` }), argv: ['inventory', '-i', '$D/inv.ini'], code: 0 },
  { name: 'all: {children: {web: 42}}', files: base({ 'inv.yml': 'all: {children: {web: 42}}\n' }), argv: ['inventory', '-i', '$D/inv.yml'], code: 4, match: /inv\.yml:1:\d+/ },
  {
    name: 'YAML inventory typo hostz: found by validate',
    files: base({ 'inv.yml': 'all:\n  hostz: {h1: {}}\n' }),
    argv: ['validate', '$D/pb.yml', '-i', '$D/inv.yml'],
    code: 0,
    match: /\[WARNING\]: \S*inv\.yml:2:3: skipping unexpected key "hostz"/,
  },
  {
    name: 'JSON-looking inventory with a trailing BOM (JSON.parse threw)',
    files: base({ 'inv.yml': '[]\ufeff\n' }),
    argv: ['inventory', '-i', '$D/inv.yml'],
    code: 4,
    match: /inv\.yml:1:\d+: YAML syntax error/,
  },
  { name: '-i /dev/zero', files: base(), argv: ['inventory', '-i', '/dev/zero'], code: 4, match: /\/dev\/zero/ },
  { name: 'a FIFO as inventory', files: base({ 'fifo.ini': { fifo: true } }), argv: ['inventory', '-i', '$D/fifo.ini'], code: 4, match: /fifo\.ini/ },
  {
    name: 'a vault-encrypted INI inventory without a password',
    files: base({ 'inv.ini': '$ANSIBLE_VAULT;1.1;AES256\n6231\n' }),
    argv: ['inventory', '-i', '$D/inv.ini'],
    code: 4,
    match: /inv\.ini:1: this vault file is encrypted/,
  },
  { name: '22 levels of diamond child groups', files: base({ 'inv.json': diamond(22) }), argv: [...run(), '-i', '$D/inv.json'], code: 0 },
  {
    name: '22 levels of diamond child groups, --graph (4 million lines) is refused',
    files: base({ 'inv.json': diamond(22) }),
    argv: ['inventory', '-i', '$D/inv.json', '--graph'],
    code: 5,
    match: /more than 200,000 lines/,
  },
  // playbooks
  { name: 'validate "" (an empty path is not the current directory)', files: {}, argv: ['validate', ''], code: 5, match: /the playbook path '' is empty/ },
  { name: 'validate /dev/zero', files: {}, argv: ['validate', '/dev/zero'], code: 4, match: /\/dev\/zero/ },
  { name: 'a FIFO as playbook', files: { 'pb.yml': { fifo: true } }, argv: ['validate', '$D/pb.yml'], code: 4, match: /pb\.yml: this is a FIFO/ },
  {
    name: 'a NUL byte in a command argument',
    files: base({ 'pb.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: "echo a\\0b"\n' }),
    argv: run(),
    code: 4,
    match: /pb\.yml:4:\d+/,
  },
  {
    name: 'a NUL byte in a file path',
    files: base({ 'pb.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - file: {path: "/tmp/a\\0b", state: touch}\n' }),
    argv: ['validate', '$D/pb.yml'],
    code: 4,
    match: /pb\.yml:4:\d+/,
  },
  // ansible-core 2.14 runs the task: "3" is a Jinja expression whose value, 3, is true.
  {
    name: 'when: "3" is a true condition, as in Ansible',
    files: base({ 'pb.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: {msg: ran}\n      when: "3"\n' }),
    argv: run(),
    code: 0,
    match: /ok: \[h1\] => ran/,
  },
  { name: 'post_tasks: 3', files: { 'pb.yml': '- hosts: all\n  post_tasks: 3\n' }, argv: ['validate', '$D/pb.yml'], code: 4, match: /pb\.yml:2:\d+/ },
  {
    name: '10,000 chained filters',
    files: { 'pb.yml': `- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: {msg: "{{ 1${' | string'.repeat(10000)} }}"}\n` },
    argv: ['validate', '$D/pb.yml'],
    code: 0,
    match: /valid/,
  },
  // host patterns
  { name: 'web[1:99999999999999999999]', files: base(), argv: run(['--limit', 'web[1:99999999999999999999]']), code: 1, match: /no hosts to target \(--limit "web\[1:9+\]"\)/ },
  {
    name: 'web[1:1000000] as hosts: in an inventory',
    files: base({ 'inv.ini': '[big]\nweb[1:1000000]\n' }),
    argv: ['inventory', '-i', '$D/inv.ini'],
    code: 4,
    match: /inv\.ini:2/,
  },
  { name: 'a 40k-character host pattern', files: base(), argv: run(['--limit', `h1:${'web:'.repeat(10000)}db`]), code: 5, match: /limit|pattern/ },
  { name: 'a ReDoS host pattern', files: base(), argv: run(['--limit', `~(.*)*${'a'.repeat(30)}X`]), code: 1, match: /no hosts to target/ },
  { name: '--limit "!" selects nothing, says why', files: base(), argv: run(['--limit', '!']), code: 5, match: /"!"/ },
  { name: '--limit "web[" is a grammar error', files: base(), argv: run(['--limit', 'web[']), code: 5, match: /web\[/ },
  { name: 'hosts: "~[" has the playbook location', files: base({ 'pb.yml': '- hosts: "~["\n  tasks: []\n' }), argv: ['validate', '$D/pb.yml'], code: 4, match: /pb\.yml:1:\d+/ },
  {
    name: 'a templated hosts: that renders to a bad pattern has the play location',
    files: base({ 'pb.yml': `- hosts: "!!,{{ 'web' }}"\n  gather_facts: false\n  tasks: []\n` }),
    argv: run(),
    code: 5,
    match: /pb\.yml:1:\d+: hosts: invalid host pattern/,
  },
  // numbers on the command line
  {
    name: '--vault-password-file /dev/full (never ends)',
    files: base(),
    argv: run(['--vault-password-file', '/dev/full']),
    code: 5,
    match: /vault password file \/dev\/full: this is a character device/,
  },
  { name: '--vault-password-file a FIFO', files: base({ pw: { fifo: true } }), argv: run(['--vault-password-file', '$D/pw']), code: 5, match: /this is a FIFO/ },
  { name: '--forks 1e3', files: base(), argv: run(['--forks', '1e3']), code: 5, match: /forks/ },
  { name: '--forks 0x10', files: base(), argv: run(['--forks', '0x10']), code: 5, match: /forks/ },
  { name: 'history --since 99999999999d', files: base(), argv: ['history', '--history', '$D/h.sqlite', '--since', '99999999999d'], code: 0, match: /no runs recorded/ },
];

export const REPRODUCERS: Array<Reproducer & FuzzCase> = LIST.map((r) => ({ ...r, kind: 'reproducer' }));
