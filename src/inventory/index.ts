/**
 * Inventory: hosts, groups, inventory-side variable precedence, host patterns, connection settings.
 * See README.md in this folder for the precedence table.
 */
export { loadInventory, type Inventory, type InventoryGroupInfo, type GroupTreeNode, type VarLayer, type LoadInventoryOptions } from './load.js';
export { selectHosts, selectHostsDetailed, splitHostPattern, hostPatternProblem, checkHostPattern, HOST_PATTERN_HINT, type HostSelection } from './patterns.js';
export { connectionSpecFor, toBoolean, becomeMethodOf, CONNECTION_VARS, RETIRED_CONNECTION_VARS, SECRET_VARS } from './connection.js';
export { mergeVarLayers } from './merge.js';
export { formatInventory, printableVars, isSecretVar } from './format.js';
export { LOCALHOST_NAMES } from './data.js';
