/** All filters by name, as Ansible 2.14 (Jinja2 3.1 builtins + ansible.builtin) offers them. */
import type { Filter } from '../types.js';
import { coreFilters } from './core.js';
import { dictFilters } from './dicts.js';
import { hashFilters } from './hashing.js';
import { listFilters } from './lists.js';
import { pathFilters } from './paths.js';
import { randomFilters } from './random.js';
import { regexFilters } from './regex.js';
import { serializeFilters } from './serialize.js';
import { stringFilters } from './strings.js';
import { vaultFilters } from './vault.js';

export const filters: Record<string, Filter> = {
  ...stringFilters,
  ...listFilters,
  ...dictFilters,
  ...coreFilters,
  ...regexFilters,
  ...serializeFilters,
  ...hashFilters,
  ...pathFilters,
  ...randomFilters,
  ...vaultFilters,
};
filters.d = filters.default!;
filters.count = filters.length!;
