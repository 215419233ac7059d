import { TsplayError } from '../errors.js';
import type { InventoryData } from './data.js';
import { expandHostPattern } from './hostnames.js';
import { isSecretVar } from './format.js';
import { parseIniValue } from './pyliteral.js';
import { shlexSplit as shlex } from '../commands/shlex.js';

/**
 * Ansible's INI inventory (plugins/inventory/ini.py), line for line in behaviour:
 * `[group]`, `[group:vars]`, `[group:children]`, host lines `name[:port] key=value ...` split like
 * Python's shlex (quotes, backslashes, `#` comments), values read as Python literals.
 */
export function parseIniInventory(text: string, file: string, inv: InventoryData): void {
  const lines = text.split(/\r\n|\n|\r/);
  const pending = new Map<string, { line: number; state: 'vars' | 'children'; parents: string[] }>();
  let group = 'ungrouped';
  let state = 'hosts' as SectionKind;
  const fail = (line: number, message: string, hint?: string): never => {
    throw new TsplayError('VALIDATION', message, { location: { file, line }, hint });
  };

  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const line = lines[n]!.trim();
    if (!line || line[0] === '#' || line[0] === ';') continue;

    const section = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/.exec(line);
    if (section) {
      group = section[1]!;
      const tag = section[2] ?? 'hosts';
      if (tag !== 'hosts' && tag !== 'vars' && tag !== 'children') {
        fail(lineNo, `section [${group}:${tag}] has unknown type "${tag}"`, 'use [NAME], [NAME:vars] or [NAME:children]');
      }
      state = tag as SectionKind;
      if (!inv.groups.has(group)) {
        if (state === 'vars' && !pending.has(group)) pending.set(group, { line: lineNo, state: 'vars', parents: [] });
        inv.addGroup(group, { file, line: lineNo });
      }
      const p = pending.get(group);
      if (p && state !== 'vars') {
        if (p.state === 'children') addPendingChildren(inv, group, pending, file);
        else pending.delete(group);
      }
      continue;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      fail(lineNo, `invalid section header ${line}`, 'a section is [NAME], [NAME:vars] or [NAME:children] with no spaces inside the brackets');
    }

    if (state === 'hosts') {
      let tokens: string[];
      try {
        tokens = shlexSplit(line);
      } catch (e) {
        // Not echoing the line: it may hold a password.
        fail(lineNo, `cannot parse the host line for "${line.split(/\s/)[0]}": ${(e as Error).message}`, 'close the quote; quote values that contain spaces');
        return;
      }
      if (tokens.length === 0) continue;
      const pattern = tokens[0]!;
      let expanded: { hosts: string[]; port?: number };
      try {
        expanded = expandHostPattern(pattern);
      } catch (e) {
        fail(lineNo, `bad host range in "${pattern}": ${(e as Error).message}`, 'ranges look like web[01:03] or db-[a:c]');
        return;
      }
      if (pattern.endsWith(':') && expanded.port === undefined) {
        fail(lineNo, `host "${pattern}" ends in ':'`, 'a colon after a host name introduces a port: host:2222');
      }
      if (expanded.hosts.some((h) => h === '---')) {
        fail(lineNo, 'found "---" in an INI inventory', 'this looks like a YAML file: give it a .yml extension');
      }
      const vars: Record<string, unknown> = {};
      let prevKey = '';
      for (const t of tokens.slice(1)) {
        const eq = t.indexOf('=');
        if (eq < 0) {
          // `password=two words` leaves "words" here: never print what may be the rest of a secret.
          const shown = isSecretVar(prevKey) ? '********' : t;
          fail(lineNo, `expected \`host key=value\`, got "${shown}"`, 'host variables are written key=value after the host name; quote values with spaces');
        }
        prevKey = t.slice(0, eq);
        vars[t.slice(0, eq)] = parseIniValue(t.slice(eq + 1));
      }
      for (const h of expanded.hosts) {
        inv.addHost(h, group, expanded.port, { file, line: lineNo });
        for (const [k, v] of Object.entries(vars)) inv.setHostVar(h, k, v);
      }
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) fail(lineNo, `expected \`key=value\` in [${group}:vars], got "${line}"`, 'each line of a :vars section sets one variable: name=value');
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      inv.setGroupVar(group, key, parseIniValue(value));
    } else {
      const m = /^([^:\]\s]+)\s*(?:#.*)?$/.exec(line);
      if (!m) fail(lineNo, `expected a group name in [${group}:children], got "${line}"`, 'list one child group name per line');
      const child = m![1]!;
      if (!inv.groups.has(child)) {
        const p = pending.get(child);
        if (!p) pending.set(child, { line: lineNo, state: 'children', parents: [group] });
        else p.parents.push(group);
      } else {
        inv.addChild(group, child, { file, line: lineNo });
      }
    }
  }

  for (const [name, decl] of pending) {
    if (decl.state === 'vars') {
      fail(decl.line, `section [${name}:vars] is for group "${name}", which is not defined`, `add a [${name}] section (it may be empty) or fix the name`);
    } else {
      const parent = decl.parents[decl.parents.length - 1]!;
      fail(decl.line, `group \`${name}\` listed in [${parent}:children] is not defined`, `add a [${name}] section (it may be empty) or fix the name`);
    }
  }
}

function addPendingChildren(inv: InventoryData, group: string, pending: Map<string, { line: number; state: 'vars' | 'children'; parents: string[] }>, file: string): void {
  const decl = pending.get(group)!;
  for (const parent of decl.parents) {
    inv.addChild(parent, group, { file, line: decl.line });
    const pp = pending.get(parent);
    if (pp && pp.state === 'children') addPendingChildren(inv, parent, pending, file);
  }
  pending.delete(group);
}

type SectionKind = 'hosts' | 'vars' | 'children';

/** Python's `shlex.split(line, comments=True)` (POSIX mode), as Ansible's INI plugin splits host lines. */
export function shlexSplit(line: string): string[] {
  return shlex(line, { comments: true });
}
