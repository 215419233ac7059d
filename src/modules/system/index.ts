import type { ModuleDef } from '../types.js';
import { commandModule } from './command.js';
import { shellModule } from './shell.js';
import { packageModule, aptModule, dnfModule } from './package.js';
import { serviceModule, systemdModule } from './service.js';
import { getUrlModule } from './get_url.js';
import { waitForModule } from './wait_for.js';
import { uriModule } from './uri.js';
import { assertModule } from './assert.js';
import { failModule } from './fail.js';
import { debugModule } from './debug.js';
import { setFactModule } from './set_fact.js';
import { includeVarsModule } from './include_vars.js';
import { validateArgumentSpecModule } from './validate_argument_spec.js';
import { setupModule } from './setup.js';
import { cronModule } from './cron.js';
import { sysctlModule } from './sysctl.js';
import { mountModule } from './mount.js';
import { serviceFactsModule } from './service_facts.js';
import { timezoneModule } from './timezone.js';
import { hostnameModule } from './hostname.js';
import { localeGenModule } from './locale_gen.js';
import { modprobeModule } from './modprobe.js';
import { sebooleanModule, selinuxModule, seportModule } from './selinux.js';
import { rebootModule } from './reboot.js';

/** Command, package, service, network and control modules. */
export const systemModules: ModuleDef[] = [
  commandModule,
  shellModule,
  packageModule,
  aptModule,
  dnfModule,
  serviceModule,
  systemdModule,
  getUrlModule,
  waitForModule,
  uriModule,
  assertModule,
  failModule,
  debugModule,
  setFactModule,
  includeVarsModule,
  setupModule,
  validateArgumentSpecModule,
  cronModule,
  sysctlModule,
  mountModule,
  serviceFactsModule,
  timezoneModule,
  hostnameModule,
  rebootModule,
  localeGenModule,
  modprobeModule,
  sebooleanModule,
  seportModule,
  selinuxModule,
];
