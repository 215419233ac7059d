import type { ModuleDef } from '../types.js';
import { pauseModule } from './pause.js';
import { pipModule } from './pip.js';
import { rawModule } from './raw.js';
import { scriptModule } from './script.js';

/** Running what the user wrote as it is, and pausing: script, raw, pause; and pip. */
export const execModules: ModuleDef[] = [scriptModule, rawModule, pauseModule, pipModule];
