import type { ModuleDef } from '../types.js';
import { blockinfile } from './blockinfile.js';
import { copy } from './copy.js';
import { envFile } from './env_file.js';
import { file } from './file.js';
import { lineinfile } from './lineinfile.js';
import { stat } from './stat.js';
import { find } from './find.js';
import { template } from './template.js';
import { yamlEdit } from './yaml_edit.js';
import { replace } from './replace.js';
import { iniFile } from './ini_file.js';
import { slurp } from './slurp.js';
import { assemble } from './assemble.js';
import { tempfile } from './tempfile.js';
import { fetch } from './fetch.js';
import { archive } from './archive.js';

/** File modules: file, copy, template, lineinfile, blockinfile, env_file, yaml_edit, and the files-and-content modules (stat…). */
export const fileModules: ModuleDef[] = [file, copy, template, lineinfile, blockinfile, envFile, yamlEdit, stat, find, replace, iniFile, slurp, assemble, tempfile, fetch, archive];

export { probeFileState, parseFileState, fileStateCommand, fileStateOf, dirStateOf } from './state.js';
export type { FileState, InodeInfo, ProbeFileOptions } from './state.js';
