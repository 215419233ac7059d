import type { ModuleDef } from '../modules/types.js';
import { argAliases } from '../modules/arg-aliases.js';
import { paramDocsFromZod } from './zodinfo.js';
import { showValue, table } from './roles.js';

/** `tsplay modules list` / `modules show NAME`: what `roles show` prints for roles, from a module's zod schema. */

/** One line per module: name, where it comes from (core or the plugin), the description's first sentence. */
export function formatModuleList(mods: Array<{ module: ModuleDef; origin: string }>): string {
  if (!mods.length) return 'no modules\n';
  return table([['NAME', 'FROM', 'DESCRIPTION'], ...mods.map(({ module: m, origin }) => [m.name, origin, firstSentence(m.description)])]);
}

function firstSentence(text: string): string {
  const line = text.split('\n')[0] ?? '';
  const m = /^(.*?[.;])(\s|$)/.exec(line);
  return (m ? m[1]! : line).replace(/[.;]$/, '');
}

/** A module's description, aliases, arguments (type and choices, default, required, aliases, description) and return values. */
export function formatModuleShow(m: ModuleDef, origin: string): string {
  const names = [...(m.aliases ?? [])];
  let out = `${m.name} (${origin === 'core' ? "tsplay's core module" : `from plugin ${origin}`})\n${m.description}\n`;
  if (names.length) out += `also answers to: ${names.join(', ')}\n`;
  if (m.freeForm) out += `free-form: \`${m.name}: TEXT\` sets ${m.freeForm}\n`;
  if (m.local) out += 'runs on the controller (no connection to the host)\n';
  const aliases = argAliases(m.args);
  const docs = paramDocsFromZod(m.args);
  out += docs.length
    ? '\n' +
      table([
        ['ARGUMENT', 'TYPE', 'DEFAULT', 'REQUIRED', 'ALIASES', 'DESCRIPTION'],
        ...docs.map((d) => [d.name, d.type, showValue(d.default), d.required ? 'yes' : 'no', (aliases[d.name] ?? []).join(', '), d.description ?? '']),
      ])
    : '\nno arguments\n';
  const returns = Object.entries(m.returns ?? {});
  out += returns.length
    ? '\n' + table([['RETURNS', 'DESCRIPTION'], ...returns.map(([k, v]) => [k, v])])
    : '\nreturns: not documented (every module returns changed, failed and msg)\n';
  return out;
}
