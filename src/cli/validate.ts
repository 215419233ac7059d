import { validateRun } from '../engine/run.js';

/**
 * Schema, modules, roles and (with an inventory) role params for every host; no host contacted.
 * Returns what reading the files warned about (duplicate YAML keys).
 */
export async function validatePlaybook(playbook: string, inventory: string[], extraVars: Record<string, unknown>): Promise<string[]> {
  const pb = await validateRun({ playbook, inventory, extraVars });
  return pb.warnings ?? [];
}
