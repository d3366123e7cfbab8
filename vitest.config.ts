// Two projects in one run (one report): every test against the release core, and the model,
// trace and removal tests again against the debug core (build/core.debug.wasm: the same code with
// its assertions on, asconfig.json target debug), so a structural step that breaks an invariant
// traps at that step instead of showing up later as a wrong answer.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'release', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'debug-core',
          include: ['test/model.test.ts', 'test/traces.test.ts', 'test/on-remove.test.ts', 'test/no-loss.test.ts', 'test/hot-tier.test.ts', 'test/layout.test.ts'],
        },
        resolve: {
          alias: [{ find: /^(.*)\/generated\/core-wasm\.js$/, replacement: '$1/generated/core-wasm-debug.ts' }],
        },
      },
    ],
  },
});
