// Global setup of the e2e project: Docker check, leftover sweep, lab images (cached), teardown sweep.
// Under CI=true a missing Docker engine is a hard failure; locally the Docker tests skip (one line).
import './harness/env.js';
import type { TestProject } from 'vitest/node';
import { dockerAvailable } from '../../src/lab/docker.js';
import { buildImages, formatBuildSummary } from '../../src/lab/images.js';
import { sweepLeftovers, testRunLabel } from '../../src/lab/lab.js';
import { raiseInotifyLimits } from '../../src/lab/targets.js';
import type { LabContext } from './harness/lab-context.js';

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabContext;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const d = await dockerAvailable();
  if (!d.ok) {
    if (process.env['CI'] === 'true') {
      throw new Error(`CI=true and no Docker engine answers (${d.reason}). Run \`bash scripts/setup-docker.sh\` before the e2e tests (.ci/run does).`);
    }
    console.log(`e2e: Docker is not available (${d.reason}); tests that need real targets are skipped. Run \`bash scripts/setup-docker.sh\` (as root) to enable them.`);
    project.provide('lab', { docker: false, reason: d.reason ?? 'docker info failed', images: {} });
    return;
  }
  const log = (l: string): void => console.log(`e2e: ${l}`);
  // Workers inherit this: what the harness starts is labelled with this run, so sweeps by other
  // runs on the same machine leave it alone.
  process.env['TSPLAY_TEST_RUN_PID'] = String(process.pid);
  const ownRun = testRunLabel();
  raiseInotifyLimits();
  await sweepLeftovers({ log });
  // Cached images cost one `docker image inspect` each; a changed recipe is rebuilt here.
  const summary = await buildImages({ log: () => undefined });
  const images: LabContext['images'] = {};
  for (const i of summary.images) images[i.name] = { status: i.status, reason: i.reason };
  const built = summary.images.filter((i) => i.status === 'built');
  if (built.length || summary.images.some((i) => i.status === 'failed')) log(`lab images:\n${formatBuildSummary(summary)}`);
  for (const i of summary.images.filter((x) => x.status === 'skipped')) log(`tests on ${i.name} are skipped: ${i.reason}`);
  // Where a registry exists (the hosted-runner workflow), the registry-based images are required:
  // their rows must run there, not skip.
  const required = (process.env['TSPLAY_REQUIRE_IMAGES'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const missing = required.filter((n) => images[n]?.status !== 'built' && images[n]?.status !== 'cached');
  if (missing.length) {
    throw new Error(
      `TSPLAY_REQUIRE_IMAGES names ${missing.map((n) => `${n} (${images[n] ? `${images[n]!.status}: ${images[n]!.reason ?? ''}` : 'no such recipe'})`).join(', ')}; pull the base images first (docker pull ubuntu:22.04 ubuntu:24.04 rockylinux:9)`,
    );
  }
  project.provide('lab', { docker: true, images });
  return async () => {
    await sweepLeftovers({ log, ownRun });
  };
}
