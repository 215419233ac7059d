import { z } from 'zod';
import { ansibleBoolean } from '../config/boolean.js';

/** Ansible's boolean: true/false plus yes/no/on/off/1/0 strings (templating may have produced a string). */
export const bool = z.preprocess((v) => ansibleBoolean(v) ?? v, z.boolean());
