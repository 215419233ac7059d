import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          setupFiles: ['test/lock-path.setup.ts'],
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'src/**/*.test.ts', 'roles/**/*.test.ts'],
          environment: 'node',
          // Integration tests run whole playbooks in real processes: 5 s (vitest's default) is a
          // timing assertion on a loaded 2-core machine. This only guards against a hang.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          setupFiles: ['test/lock-path.setup.ts'],
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 600_000,
          globalSetup: ['test/e2e/global-setup.ts'],
          // Containers are heavy on 2 cores: run e2e files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
