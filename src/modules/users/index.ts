import type { ModuleDef } from '../types.js';
import { getentModule } from './getent.js';
import { groupModule } from './group.js';
import { userModule } from './user.js';

/** Users and groups: user, group, getent. */
export const userModules: ModuleDef[] = [userModule, groupModule, getentModule];
