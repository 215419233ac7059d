import { validateRun } from '../engine/run.js';

/** Schema, modules, roles and (with an inventory) role params for every host; no host contacted. */
export async function validatePlaybook(playbook: string, inventory: string[], extraVars: Record<string, unknown>): Promise<void> {
  await validateRun({ playbook, inventory, extraVars });
}
