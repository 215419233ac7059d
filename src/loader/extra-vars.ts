import path from 'node:path';
import { TsplayError } from '../errors.js';
import { parseKv, SplitArgsError } from './splitter.js';
import { parseYaml } from './yaml.js';
import { readUserFileSync } from '../config/user-file.js';

/** An -e value as the error shows it: quoted, and cut short (a hostile value may be megabytes). */
function shown(v: string): string {
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof String);
}

/**
 * `-e` values as Ansible's load_extra_vars reads them, later ones winning: `@file` is a YAML/JSON
 * file read like any other (YAML 1.1, `yes` is true), `{…}`/`[…]` is inline YAML/JSON, anything else
 * is `k=v` words (parse_kv: values stay strings). Each must give a mapping.
 */
export function parseExtraVars(values: string[], warn?: (message: string) => void): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const v of values) {
    if (!v) continue;
    let data: unknown;
    if (v.startsWith('@')) {
      const file = v.slice(1);
      let text: string;
      try {
        text = readUserFileSync(file, 'utf8');
      } catch (e) {
        if (e instanceof TsplayError) throw new TsplayError('USAGE', `-e @${file}: ${e.message}`, { hint: e.hint });
        throw new TsplayError('USAGE', `-e @${file}: cannot read the file`, { hint: 'give a path to a YAML or JSON file of variables' });
      }
      const parsed = parseYaml(text, path.resolve(file));
      if (parsed.errors.length) throw parsed.errors[0]!;
      for (const w of parsed.warnings) warn?.(w);
      data = parsed.value ?? {};
    } else if (v[0] === '/' || v[0] === '.') {
      throw new TsplayError('USAGE', `-e ${v}: prepend the file name with '@'`, { hint: `-e @${v}` });
    } else if (v[0] === '{' || v[0] === '[') {
      const parsed = parseYaml(v, '-e');
      for (const w of parsed.warnings) warn?.(w);
      if (parsed.errors.length) throw new TsplayError('USAGE', `-e ${shown(v)}: ${parsed.errors[0]!.message}`, { hint: 'quote it for the shell: -e \'{"name": "value"}\'' });
      data = parsed.value;
    } else {
      let kv: ReturnType<typeof parseKv>;
      try {
        kv = parseKv(v);
      } catch (e) {
        if (e instanceof SplitArgsError) throw new TsplayError('USAGE', `-e ${shown(v)}: ${e.message}`, { hint: 'close the quote' });
        throw e;
      }
      // Ansible would keep a word without `=` as `_raw_params`; that is never what was meant.
      if (kv.raw !== undefined) throw new TsplayError('USAGE', `-e ${shown(v)}: expected key=value`, { hint: 'e.g. -e version=6.12.1 or -e @vars.yml' });
      data = kv.options;
    }
    if (!isMapping(data)) {
      throw new TsplayError('USAGE', `-e ${shown(v)}: could not be made into a mapping of variables`, { hint: 'give key=value, a {…} mapping or @file holding a mapping' });
    }
    for (const [k, x] of Object.entries(data)) Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
