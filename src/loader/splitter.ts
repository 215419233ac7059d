/** Ansible's split_args / parse_kv live in config/ (the template layer's lookups use them too). */
export * from '../config/splitter.js';
