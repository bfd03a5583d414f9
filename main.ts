// Entry point of `npm run synth` and of `cdktf synth` (see cdktf.json).
import { synthesizeTemplate } from './template/synth.js';

const { stackDir } = synthesizeTemplate();
console.log(`Synthesized the Coder template into ${stackDir}`);
