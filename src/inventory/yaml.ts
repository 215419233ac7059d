import { TsplayError, type SourceLocation } from '../errors.js';
import { parseYaml, type ParsedYaml, type SourceMap } from '../loader/yaml.js';
import type { InventoryData } from './data.js';
import { expandHostPattern } from './hostnames.js';

type Mapping = Record<string, unknown>;

function isMapping(v: unknown): v is Mapping {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Parse with the one YAML reader (src/loader/yaml.ts, Ansible's rules); the first error is thrown. */
function read(text: string, file: string): ParsedYaml {
  const parsed = parseYaml(text, file);
  const err = parsed.errors[0];
  if (err) {
    if (err.hint || err.code !== 'PARSE') throw err;
    throw new TsplayError(err.code, err.message, { location: err.location, hint: 'check indentation and quoting around this line' });
  }
  return parsed;
}

/** A YAML file of variables (group_vars/host_vars): a mapping, or empty. Reader warnings go to `warn`. */
export function readVarsYaml(text: string, file: string, warn?: (message: string) => void): Record<string, unknown> {
  const { value, map, warnings } = read(text, file);
  for (const w of warnings) warn?.(w);
  if (value === null || value === undefined) return {};
  if (!isMapping(value)) {
    throw new TsplayError('VALIDATION', 'a variables file must be a mapping of name: value', {
      location: map.of(value, { file, line: 1, col: 1 }),
      hint: 'write one `name: value` per line at the top level',
    });
  }
  return value;
}

function tryRead(text: string): unknown {
  const parsed = parseYaml(text, '<sniff>');
  return parsed.errors.length ? undefined : parsed.value;
}

/** True when the text looks like Ansible's YAML inventory layout (a mapping of groups). */
export function looksLikeYamlInventory(text: string): boolean {
  const v = tryRead(text);
  return isMapping(v) && Object.values(v).every((g) => g === null || isMapping(g));
}

/** True when the text is YAML whose top level is a mapping holding at least one nested mapping (so not `host:2222`). */
export function isYamlMapping(text: string): boolean {
  const v = tryRead(text);
  return isMapping(v) && Object.values(v).some(isMapping);
}

interface Src {
  map: SourceMap;
  file: string;
}

/** Ansible's YAML inventory (plugins/inventory/yaml.py): groups with `hosts`, `vars`, `children`, nested. */
export function parseYamlInventory(text: string, file: string, inv: InventoryData): void {
  const { value: root, map, warnings } = read(text, file);
  inv.warnings.push(...warnings);
  const src: Src = { map, file };
  if (root === null || root === undefined) {
    // Ansible falls back to its INI reader here, which accepts an empty file: no hosts.
    inv.warnings.push(`${file}: the inventory file is empty`);
    return;
  }
  if (!isMapping(root)) {
    throw new TsplayError('VALIDATION', 'a YAML inventory must be a mapping of group names', {
      location: map.of(root, { file, line: 1, col: 1 }),
      hint: 'start with `all:` and put `hosts:`, `vars:` and `children:` under it',
    });
  }
  if (Object.hasOwn(root, 'plugin')) {
    throw new TsplayError('VALIDATION', 'inventory plugin configurations (plugin: ...) are not supported', {
      location: map.key(root, 'plugin'),
      hint: "export the plugin's result with `ansible-inventory -i FILE --list -y` and use that file",
    });
  }
  for (const [name, group] of Object.entries(root)) parseGroup(src, inv, name, group, map.key(root, name));
}

function parseGroup(src: Src, inv: InventoryData, name: string, node: unknown, loc: SourceLocation): string {
  if (node !== null && !isMapping(node)) {
    inv.warnings.push(`${fmt(loc)}: skipping "${name}": a group must be a mapping with hosts/vars/children`);
    return name;
  }
  inv.addGroup(name, loc);
  if (node === null) return name;
  for (const [section, value] of Object.entries(node)) {
    const kloc = src.map.key(node, section);
    const vloc = src.map.value(node, section);
    if (section !== 'vars' && section !== 'children' && section !== 'hosts') {
      inv.warnings.push(`${fmt(kloc)}: skipping unexpected key "${section}" in group "${name}" (only hosts, vars and children are valid)`);
      continue;
    }
    if (typeof value === 'string') {
      // Ansible accepts `hosts: web1` as shorthand for `hosts: {web1: }`.
      if (section === 'hosts') addHosts(src, inv, name, value, null, vloc);
      else if (section === 'children') inv.addChild(name, parseGroup(src, inv, value, null, vloc), vloc);
      else inv.setGroupVar(name, value, null);
      continue;
    }
    if (value !== null && !isMapping(value)) {
      throw new TsplayError('VALIDATION', `"${section}" of group "${name}" must be a mapping`, {
        location: vloc,
        hint:
          section === 'hosts'
            ? 'write hosts as a mapping: `hosts:` then `  web1:` (a trailing colon, not a list item)'
            : section === 'children'
              ? 'write child groups as a mapping: `children:` then `  web:`'
              : 'write vars as `name: value` lines',
      });
    }
    if (value === null) continue;
    if (section === 'vars') {
      for (const [k, v] of Object.entries(value)) inv.setGroupVar(name, k, v);
    } else if (section === 'children') {
      for (const [k, v] of Object.entries(value)) {
        const l = src.map.key(value, k);
        // ansible-core skips the bad group, then fails to parse the whole file (add_child of a group it never added).
        if (v !== null && !isMapping(v)) {
          throw new TsplayError(
            'VALIDATION',
            `child group "${k}" of "${name}" must be a mapping (hosts/vars/children) or empty, got ${JSON.stringify(v)?.slice(0, 40) ?? String(v)}`,
            {
              location: src.map.value(value, k),
              hint: `write \`${k}:\` with nothing after it, or \`${k}:\` then \`  hosts:\``,
            },
          );
        }
        inv.addChild(name, parseGroup(src, inv, k, v, l), l);
      }
    } else {
      for (const [k, v] of Object.entries(value)) {
        const typed = src.map.typedKey(value, k);
        if (typeof typed !== 'string') {
          throw new TsplayError('VALIDATION', `host name ${JSON.stringify(typed)} in group "${name}" must be a string`, {
            location: src.map.key(value, k),
            hint: 'quote host names that look like numbers: "10"',
          });
        }
        addHosts(src, inv, name, k, v, src.map.key(value, k));
      }
    }
  }
  return name;
}

function addHosts(src: Src, inv: InventoryData, group: string, pattern: string, vars: unknown, loc: SourceLocation): void {
  if (vars !== null && !isMapping(vars)) {
    throw new TsplayError('VALIDATION', `host "${pattern}" in group "${group}" must map to its variables (or nothing)`, {
      location: src.map.of(vars, loc),
      hint: 'write `host:` alone or `host:` followed by indented `name: value` lines',
    });
  }
  let expanded: { hosts: string[]; port?: number };
  try {
    expanded = expandHostPattern(pattern);
  } catch (e) {
    throw new TsplayError('VALIDATION', `bad host range in "${pattern}": ${(e as Error).message}`, {
      location: loc,
      hint: 'ranges look like web[01:03] or db-[a:c]',
    });
  }
  for (const h of expanded.hosts) {
    inv.addHost(h, group, expanded.port, loc);
    for (const [k, v] of Object.entries(vars ?? {})) inv.setHostVar(h, k, v);
  }
}

function fmt(l: SourceLocation): string {
  return [l.file, l.line, l.col].filter((x) => x !== undefined).join(':');
}
