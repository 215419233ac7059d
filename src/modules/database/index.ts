import type { ModuleDef } from '../types.js';
import { mysqlDbModule } from './mysql_db.js';
import { mysqlUserModule } from './mysql_user.js';

/** Database modules (community.mysql): mysql_db, mysql_user. */
export const databaseModules: ModuleDef[] = [mysqlDbModule, mysqlUserModule];
