/** The real-target lab: images, targets, inventories. The CLI's `tsplay lab …` calls these. */
export { buildImages, formatBuildSummary, labCacheDir, type BuildOptions, type BuildSummary, type ImageBuildResult } from './images.js';
export { labUp, labDown, sweepLeftovers, labStateDir, LAB_NETWORK, type LabUpOptions, type LabUpResult, type LabDownOptions } from './lab.js';
export { labInventory, labInventoryYaml, imageGroup, type LabHost } from './inventory.js';
export { RECIPES, findRecipe, imageTag, type Recipe } from './recipes/index.js';
export { WALLARM_STANDIN, LAB_REPO, buildLabRepos } from './repos.js';
export { AUTHORIZED_KEYS_PATH, SUDO_USER, systemdRunArgs, makeKeyPair, waitForTarget, raiseInotifyLimits, execIn } from './targets.js';
export { dockerAvailable, requireDocker, LABELS } from './docker.js';
