import {
  LineCounter,
  parseDocument,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Document,
  type Node,
  type Pair,
  type ParsedNode,
  type YAMLMap,
} from 'yaml';
import { TsplayError, type SourceLocation } from '../errors.js';
import type { InventoryData } from './data.js';
import { expandHostPattern } from './hostnames.js';

export interface YamlSource {
  doc: Document.Parsed;
  lines: LineCounter;
  file: string;
}

/**
 * Parse YAML the way Ansible's loader reads it: YAML 1.1 (`yes`/`no` are booleans, `0644` is octal),
 * duplicate keys allowed (last wins), `!unsafe` kept as a plain string, `!vault` refused clearly.
 */
export function readYaml(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  if (/^\s*\$ANSIBLE_VAULT;/.test(text)) {
    throw new TsplayError('VALIDATION', 'this file is encrypted with ansible-vault, which tsplay cannot read', {
      location: { file, line: 1 },
      hint: 'decrypt it (ansible-vault decrypt) or pass secrets with -e @file / environment variables',
    });
  }
  const doc = parseDocument(text, {
    version: '1.1',
    lineCounter: lines,
    uniqueKeys: false,
    prettyErrors: true,
    customTags: (tags) => [
      // Ansible's JSON view keeps dates as strings; so do we.
      ...tags.filter((t) => typeof t !== 'object' || (t as { tag?: string }).tag !== 'tag:yaml.org,2002:timestamp'),
      { tag: '!unsafe', resolve: (s: string) => s },
      {
        tag: '!vault',
        resolve: (s: string, onError: (m: string) => void) => {
          onError('ansible-vault encrypted values (!vault) are not supported');
          return s;
        },
      },
    ],
  });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    throw new TsplayError('PARSE', `YAML syntax error: ${err.message.split(/ at line \d+, column \d+/)[0]!.split('\n')[0]}`, {
      location: { file, line: pos?.line, col: pos?.col },
      hint: err.message.includes('vault')
        ? 'decrypt the value or pass secrets with -e @file / environment variables'
        : 'check indentation and quoting around this line',
    });
  }
  return { doc, lines, file };
}

export function locOf(src: YamlSource, node: Node | null | undefined): SourceLocation {
  const off = (node as ParsedNode | null | undefined)?.range?.[0];
  if (off === undefined) return { file: src.file };
  const p = src.lines.linePos(off);
  return { file: src.file, line: p.line, col: p.col };
}

function deref(src: YamlSource, node: unknown): unknown {
  return isAlias(node) ? node.resolve(src.doc) : node;
}

function isNullNode(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

function keyText(src: YamlSource, pair: Pair): { key: unknown; loc: SourceLocation } {
  const k = deref(src, pair.key);
  return { key: isScalar(k) ? k.value : k, loc: locOf(src, pair.key as Node) };
}

/**
 * The pairs of a mapping with YAML merge keys (`<<: *anchor`, `<<: [*a, *b]`) expanded the way
 * PyYAML does: merged keys first, explicit keys override, earlier merge sources beat later ones.
 */
function pairsOf(src: YamlSource, map: YAMLMap): Pair[] {
  const merged: Pair[] = [];
  const own: Pair[] = [];
  for (const p of map.items) {
    const k = deref(src, p.key);
    if (isScalar(k) && (typeof k.value === 'symbol' || k.value === '<<')) {
      const v = deref(src, p.value);
      const sources = isSeq(v) ? v.items.map((i) => deref(src, i)) : [v];
      for (const s of sources.reverse()) if (isMap(s)) merged.push(...pairsOf(src, s));
    } else own.push(p);
  }
  const byKey = new Map<unknown, Pair>();
  for (const p of [...merged, ...own]) byKey.set(keyText(src, p).key, p);
  return [...byKey.values()];
}

/** Plain JS value of a node (anchors resolved). */
export function toValue(src: YamlSource, node: unknown): unknown {
  if (node === null || node === undefined) return null;
  return (node as Node).toJS(src.doc);
}

/** A YAML file of variables (group_vars/host_vars): a mapping, or empty. */
export function readVarsYaml(text: string, file: string): Record<string, unknown> {
  const src = readYaml(text, file);
  const root = src.doc.contents;
  if (isNullNode(root)) return {};
  if (!isMap(root)) {
    throw new TsplayError('VALIDATION', 'a variables file must be a mapping of name: value', {
      location: locOf(src, root as Node),
      hint: 'write one `name: value` per line at the top level',
    });
  }
  return toValue(src, root) as Record<string, unknown>;
}

/** True when the text looks like Ansible's YAML inventory layout (a mapping of groups). */
export function looksLikeYamlInventory(text: string): boolean {
  try {
    const doc = parseDocument(text, { version: '1.1', uniqueKeys: false });
    if (doc.errors.length || !isMap(doc.contents)) return false;
    return doc.contents.items.every((p) => isNullNode(p.value) || isMap(deref({ doc } as YamlSource, p.value)));
  } catch {
    return false;
  }
}

/** True when the text is YAML whose top level is a mapping holding at least one nested mapping (so not `host:2222`). */
export function isYamlMapping(text: string): boolean {
  try {
    const doc = parseDocument(text, { version: '1.1', uniqueKeys: false });
    return doc.errors.length === 0 && isMap(doc.contents) && doc.contents.items.some((p) => isMap(p.value));
  } catch {
    return false;
  }
}

/** Ansible's YAML inventory (plugins/inventory/yaml.py): groups with `hosts`, `vars`, `children`, nested. */
export function parseYamlInventory(text: string, file: string, inv: InventoryData): void {
  const src = readYaml(text, file);
  const root = src.doc.contents;
  if (isNullNode(root)) {
    // Ansible falls back to its INI reader here, which accepts an empty file: no hosts.
    inv.warnings.push(`${file}: the inventory file is empty`);
    return;
  }
  if (!isMap(root)) {
    throw new TsplayError('VALIDATION', 'a YAML inventory must be a mapping of group names', {
      location: locOf(src, root as Node),
      hint: 'start with `all:` and put `hosts:`, `vars:` and `children:` under it',
    });
  }
  const plugin = pairsOf(src, root).find((p) => keyText(src, p).key === 'plugin');
  if (plugin) {
    throw new TsplayError('VALIDATION', 'inventory plugin configurations (plugin: ...) are not supported', {
      location: locOf(src, plugin.key as Node),
      hint: 'export the plugin\'s result with `ansible-inventory -i FILE --list -y` and use that file',
    });
  }
  for (const pair of pairsOf(src, root)) {
    const { key, loc } = keyText(src, pair);
    parseGroup(src, inv, String(key), deref(src, pair.value), loc);
  }
}

function parseGroup(src: YamlSource, inv: InventoryData, name: string, node: unknown, loc: SourceLocation): string {
  if (!isNullNode(node) && !isMap(node)) {
    inv.warnings.push(`${fmt(loc)}: skipping "${name}": a group must be a mapping with hosts/vars/children`);
    return name;
  }
  inv.addGroup(name, loc);
  if (isNullNode(node)) return name;
  const map = node as YAMLMap;
  for (const pair of pairsOf(src, map)) {
    const { key, loc: kloc } = keyText(src, pair);
    const value = deref(src, pair.value);
    const section = String(key);
    if (section === 'vars' || section === 'children' || section === 'hosts') {
      if (isScalar(value) && typeof value.value === 'string') {
        // Ansible accepts `hosts: web1` as shorthand for `hosts: {web1: }`.
        const text = value.value;
        const vloc = locOf(src, pair.value as Node);
        if (section === 'hosts') addHosts(src, inv, name, text, null, vloc);
        else if (section === 'children') inv.addChild(name, parseGroup(src, inv, text, null, vloc), vloc);
        else inv.setGroupVar(name, text, null);
        continue;
      }
      if (!isNullNode(value) && !isMap(value)) {
        throw new TsplayError('VALIDATION', `"${section}" of group "${name}" must be a mapping`, {
          location: locOf(src, pair.value as Node),
          hint:
            section === 'hosts'
              ? 'write hosts as a mapping: `hosts:` then `  web1:` (a trailing colon, not a list item)'
              : section === 'children'
                ? 'write child groups as a mapping: `children:` then `  web:`'
                : 'write vars as `name: value` lines',
        });
      }
    } else {
      inv.warnings.push(`${fmt(kloc)}: skipping unexpected key "${section}" in group "${name}" (only hosts, vars and children are valid)`);
      continue;
    }
    if (isNullNode(value)) continue;
    const items = pairsOf(src, value as YAMLMap);
    if (section === 'vars') {
      for (const p of items) inv.setGroupVar(name, String(keyText(src, p).key), toValue(src, deref(src, p.value)));
    } else if (section === 'children') {
      for (const p of items) {
        const k = keyText(src, p);
        const child = parseGroup(src, inv, String(k.key), deref(src, p.value), k.loc);
        inv.addChild(name, child, k.loc);
      }
    } else {
      for (const p of items) {
        const k = keyText(src, p);
        if (typeof k.key !== 'string') {
          throw new TsplayError('VALIDATION', `host name ${JSON.stringify(k.key)} in group "${name}" must be a string`, {
            location: k.loc,
            hint: 'quote host names that look like numbers: "10"',
          });
        }
        addHosts(src, inv, name, k.key, deref(src, p.value), k.loc);
      }
    }
  }
  return name;
}

function addHosts(src: YamlSource, inv: InventoryData, group: string, pattern: string, varsNode: unknown, loc: SourceLocation): void {
  if (!isNullNode(varsNode) && !isMap(varsNode)) {
    throw new TsplayError('VALIDATION', `host "${pattern}" in group "${group}" must map to its variables (or nothing)`, {
      location: locOf(src, varsNode as Node),
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
  const vars = isNullNode(varsNode) ? {} : (toValue(src, varsNode) as Record<string, unknown>);
  for (const h of expanded.hosts) {
    inv.addHost(h, group, expanded.port, loc);
    for (const [k, v] of Object.entries(vars)) inv.setHostVar(h, k, v);
  }
}

function fmt(l: SourceLocation): string {
  return [l.file, l.line, l.col].filter((x) => x !== undefined).join(':');
}
