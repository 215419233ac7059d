import type { ModuleDef } from '../types.js';
import { aptKeyModule } from './apt_key.js';
import { aptRepositoryModule } from './apt_repository.js';
import { deb822RepositoryModule } from './deb822_repository.js';
import { packageFactsModule } from './package_facts.js';
import { rpmKeyModule } from './rpm_key.js';
import { yumRepositoryModule } from './yum_repository.js';

/** Package repositories and package facts: apt_repository, deb822_repository, apt_key, yum_repository, rpm_key, package_facts. */
export const packageModules: ModuleDef[] = [packageFactsModule, aptRepositoryModule, aptKeyModule, yumRepositoryModule, rpmKeyModule, deb822RepositoryModule];
