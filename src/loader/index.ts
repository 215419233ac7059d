/** The loader's public surface: playbooks, task lists, roles, validation helpers. */
export { loadPlaybook, type LoadPlaybookOptions } from './playbook.js';
export { loadPlugin, loadPlugins, projectPluginFiles, SHIPPED_PLUGINS, CONFIG_FILES } from './plugins.js';
export {
  normalizeTasks,
  normalizeTaskList,
  registryModules,
  handlerTopics,
  moduleTasks,
  roleCalls,
  checkNotifies,
  type ModuleLookup,
  type NormalizeOptions,
} from './tasks.js';
export {
  loadRole,
  listRoles,
  roleNames,
  findRoleDir,
  formatRoleList,
  formatRoleShow,
  validateRoleParams,
  argumentSpecTask,
  roleEntryPoint,
  normalizeRoleTasks,
  roleSearchPaths,
  secretParamNames,
  dependencySearchPaths,
  SHIPPED_ROLES_DIR,
} from './roles.js';
export { validateModuleArgs, parseStringArgs } from './args.js';
export { splitArgs, parseKv, joinArgs, SplitArgsError, FREE_FORM_OPTIONS } from './splitter.js';
export { suggest, didYouMean, editDistance } from './suggest.js';
export { parseYaml, readYamlFile, SourceMap } from './yaml.js';
export { paramDocsFromZod, typeString } from './zodinfo.js';
