import type { ModuleDef } from '../types.js';
import { unarchiveModule } from './unarchive.js';
import { gitModule } from './git.js';

/** Modules that bring content onto a host from archives and repositories: unarchive, archive, git. */
export const sourceModules: ModuleDef[] = [unarchiveModule, gitModule];
