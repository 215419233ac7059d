import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Warnings templating raises (Ansible's display.warning from a lookup: a file not found, a lookup
 * failing under errors='warn'), sent to whoever runs the templates: the engine passes its run's
 * warning output. Scoped per async context, so parallel runs never share a sink.
 */
const sink = new AsyncLocalStorage<(message: string) => void>();

/** Run `fn` with template warnings going to `warn`. */
export function withTemplateWarnings<T>(warn: (message: string) => void, fn: () => T): T {
  return sink.run(warn, fn);
}

/** Report a warning from a template (nothing happens outside withTemplateWarnings). */
export function templateWarning(message: string): void {
  sink.getStore()?.(message);
}
