// Layer rule of the builder (see docs/architecture.md): log/ imports nothing
// else from builder; process.ts only log/ and errors.ts; steps/ never import
// commands/; only cli.ts imports commands/.
import tseslint from 'typescript-eslint';

const restrict = (files, patterns, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
  },
});

export default tseslint.config(
  // constructs/coder/generated/: CDKTF's generator output (`npm run bindings`), checked by a test instead.
  { ignores: ['node_modules/**', 'dist/**', 'cdktf.out/**', '.cache/**', 'constructs/coder/generated/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  restrict(['builder/log/**/*.ts'], ['../*', '!../log/*'], 'builder/log/ is the bottom layer: it imports nothing else from builder/.'),
  restrict(['builder/process.ts'], ['./steps/*', './commands/*', './devcontainer/*', './config.js', './cli.js'], 'process.ts may import only log/ and errors.ts.'),
  restrict(['builder/steps/**/*.ts', 'builder/devcontainer/**/*.ts'], ['../commands/*', '../cli.js'], 'steps/ must not import commands/ or cli.ts.'),
  restrict(['builder/docker/**/*.ts'], ['../steps/*', '../commands/*', '../devcontainer/*', '../cli.js'], 'docker/ (the Docker client) may import only log/, process.ts and errors.ts.'),
  restrict(['builder/commands/**/*.ts'], ['../cli.js'], 'only cli.ts sits above commands/.'),
);
