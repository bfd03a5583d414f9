// Entry point of `npm run bindings`: regenerates constructs/coder/generated/
// from the schema copy (see template/coder-bindings.ts).
import { CODER_BINDINGS_DIR, coderBindingsDir, generateCoderBindings } from './coder-bindings.js';

const started = Date.now();
const files = await generateCoderBindings(coderBindingsDir());
console.log(`Generated ${files.length} files into ${CODER_BINDINGS_DIR} in ${Date.now() - started} ms`);
