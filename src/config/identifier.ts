/**
 * Ansible's variable-name rule (utils/vars.py isidentifier on Python 3): an ASCII Python
 * identifier that is not a Python keyword, so `True`, `None`, `class` or `if` are refused.
 */
const PYTHON_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);

/** Whether `name` may be a variable (register:, vars:, set_fact keys) in Ansible. */
export function isAnsibleIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !PYTHON_KEYWORDS.has(name);
}

/** A YAML scalar as Python's str() shows it: booleans True/False, null None (what Ansible's messages quote). */
export function pythonStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  return String(v);
}
