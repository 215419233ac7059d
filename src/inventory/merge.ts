/**
 * Merge variable layers, lowest precedence first. Like Ansible's default `hash_behaviour=replace`,
 * a later layer replaces a key wholesale (dicts are not deep-merged). Undefined values are skipped
 * so an absent optional layer never erases a variable.
 */
export function mergeVarLayers(layers: Array<Record<string, unknown> | undefined | null>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (v !== undefined) out[k] = v;
    }
  }
  return out;
}
