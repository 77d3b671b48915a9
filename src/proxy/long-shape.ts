import { MAX_NESTING_DEPTH } from './nesting.js';
import type { Shape } from './shape.js';
import { SHAPE_WASM_BASE64 } from './wasm/shape-module.js';

/** The little of the WebAssembly API used here (the TypeScript lib in use does not declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
};

interface ShapeExports {
  memory: { buffer: ArrayBuffer };
  reset(limit: number): void;
  scan(end: number, final: number): number;
  tooDeep(): number;
  takeSuspect(): number;
}

/** Bytes handed to the module per call: its memory holds them, the carried rest and the padding. */
const SLICE_BYTES = 64 * 1024;
const PADDING_BYTES = 130;
const SPACE = 0x20;

let compiled: object | undefined;

/**
 * The shape of a long line (see shape.ts), read 64 bytes at a time with WebAssembly SIMD
 * (wasm/shape.wat): a 16 MB answer costs a few milliseconds instead of tens. The same answers as
 * ShapeScanner, except that `depth` is exact only past the limit; below it, it is at most the limit.
 */
export class LongShapeScanner {
  private readonly wasm: ShapeExports;
  private bytes: Uint8Array;
  /** bytes carried at the start of memory, not yet read (fewer than a block and its look-ahead) */
  private carried = 0;
  /** offset in the line of memory's first byte */
  private base = 0;
  private firstSuspect = -1;

  constructor(private readonly limit = MAX_NESTING_DEPTH) {
    compiled ??= new WebAssembly.Module(Buffer.from(SHAPE_WASM_BASE64, 'base64'));
    this.wasm = new WebAssembly.Instance(compiled).exports as unknown as ShapeExports;
    this.bytes = new Uint8Array(this.wasm.memory.buffer);
    this.wasm.reset(limit);
  }

  feed(piece: Buffer): void {
    for (let start = 0; start < piece.length; start += SLICE_BYTES) {
      const slice = piece.subarray(start, start + SLICE_BYTES);
      this.bytes.set(slice, this.carried);
      this.read(this.carried + slice.length, false);
    }
  }

  finish(keptBelow = Infinity): Shape {
    this.bytes.fill(SPACE, this.carried, this.carried + PADDING_BYTES);
    this.read(this.carried, true);
    const shape = {
      depth: this.wasm.tooDeep() ? this.limit + 1 : 0,
      mayBreak: this.firstSuspect !== -1 && this.firstSuspect < keptBelow,
    };
    this.wasm.reset(this.limit);
    this.carried = this.base = 0;
    this.firstSuspect = -1;
    return shape;
  }

  private read(end: number, final: boolean): void {
    const stopped = this.wasm.scan(end, final ? 1 : 0);
    const suspect = this.wasm.takeSuspect();
    if (suspect !== -1 && this.firstSuspect === -1) this.firstSuspect = this.base + suspect;
    if (final) return;
    this.bytes.copyWithin(0, stopped, end);
    this.carried = end - stopped;
    this.base += stopped;
  }
}
