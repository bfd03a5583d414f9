/**
 * The synthetic build output of the log-streaming bench: deterministic, so the
 * parent can rebuild what the child wrote and check delivery line by line.
 * Lengths are mixed like a Docker build: mostly short lines, some long
 * compiler-style lines, and 1 % over Coder's 1024 characters (which the sink
 * must split). A few non-ASCII characters make bytes and characters differ.
 */

/** Every line starts with its tag, so the fake Coder's copy names the line it came from. */
export function lineTag(index: number): string {
  return `L${String(index).padStart(7, '0')} `;
}

/** Parses the index back out of a stored output; undefined for a continuation piece of a split line. */
export function tagIndex(output: string): number | undefined {
  const m = /^L(\d{7}) /.exec(output);
  return m === null ? undefined : Number(m[1]);
}

// mulberry32: a tiny seeded PRNG, enough for reproducible lengths.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FILLER = '#5 [builder 3/7] RUN apt-get install -y --no-install-recommends build-essential ca-certificates curl git ü ';

/** Length (in characters) of line `index`. */
function lengthOf(r: number): number {
  if (r < 0.7) return 40 + Math.floor((r / 0.7) * 80);
  if (r < 0.95) return 120 + Math.floor(((r - 0.7) / 0.25) * 280);
  if (r < 0.99) return 400 + Math.floor(((r - 0.95) / 0.04) * 624);
  return 1025 + Math.floor(((r - 0.99) / 0.01) * 2000);
}

/** Yields `count` lines; the same seed gives the same lines. */
export function* benchLines(count: number, seed = 42): Generator<string> {
  const random = prng(seed);
  let filler = FILLER;
  while (filler.length < 4096) filler += FILLER;
  for (let i = 0; i < count; i++) {
    const tag = lineTag(i);
    const length = lengthOf(random());
    const start = Math.floor(random() * FILLER.length);
    yield tag + filler.slice(start, start + Math.max(0, length - tag.length));
  }
}

/**
 * Short lines (`L0000000 done`, 13 bytes) like a build's step markers: with
 * them the sink's line bound, not its byte budget, is what a burst reaches first.
 */
export function* shortLines(count: number): Generator<string> {
  for (let i = 0; i < count; i++) yield `${lineTag(i)}done`;
}

/** The lines of a shape, by name (the bench child and parent must agree). */
export function linesOf(shape: 'mixed' | 'short', count: number): Generator<string> {
  return shape === 'short' ? shortLines(count) : benchLines(count);
}
