#!/usr/bin/env node
// Assembles shape.wat into shape-module.ts (the bytes, base64), so that neither an install nor a
// build needs an assembler. `npm run build:wasm` after changing shape.wat; a test checks the two agree.
import { readFileSync, writeFileSync } from 'node:fs';
import wabtInit from 'wabt';

const source = new URL('./shape.wat', import.meta.url);
const target = new URL('./shape-module.ts', import.meta.url);

export async function assemble() {
  const wabt = await wabtInit();
  const module = wabt.parseWat('shape.wat', readFileSync(source, 'utf8'), { simd: true });
  try {
    return Buffer.from(module.toBinary({}).buffer).toString('base64');
  } finally {
    module.destroy();
  }
}

export function moduleSource(base64) {
  const lines = base64.match(/.{1,100}/g).map((line) => `  '${line}'`);
  return `// Generated from shape.wat by assemble.mjs: do not edit.\nexport const SHAPE_WASM_BASE64 =\n${lines.join(' +\n')};\n`;
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  writeFileSync(target, moduleSource(await assemble()));
}
