import { inject } from 'vitest';

/** What the e2e global setup learned about this machine (vitest provide/inject). */
export interface LabContext {
  docker: boolean;
  reason?: string;
  images: Record<string, { status: 'built' | 'cached' | 'skipped' | 'failed'; reason?: string }>;
}

export function labContext(): LabContext {
  return inject('lab') ?? { docker: false, reason: 'e2e global setup did not run', images: {} };
}

/** True when the tests need to be skipped for want of Docker. */
export function noDocker(): boolean {
  return !labContext().docker;
}

/**
 * Whether tests on an image are skipped: only registry images that are not present locally (the
 * global setup printed why). A failed build is NOT a skip: the test runs and fails on it.
 */
export function imageSkipped(name: string): boolean {
  const ctx = labContext();
  if (!ctx.docker) return true;
  return ctx.images[name]?.status === 'skipped';
}
