// Bench 5 of issue 5: the builder image from the production Dockerfile, with
// the local bases the tests use (no registry is reachable): its size, and the
// time `docker build --no-cache` takes from prepared context to tagged image.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { docker } from '../__tests__/support/docker.js';
import { prepareImages, testImages } from '../__tests__/support/images.js';
import type { Figure } from './report.js';

const repoRoot = resolve(import.meta.dirname, '..');

/** Label on every image the bench builds, so that its images can be told apart from others'. */
export const BENCH_LABEL = 'devcontainer-builder.bench';
const BENCH_TAG = 'devcontainer-builder-bench/builder:no-cache';

export interface ImageBenchOptions {
  /** `--no-cache` builds to time. @default 2 */
  readonly builds?: number;
  readonly log: (line: string) => void;
}

async function sizeBytes(image: string): Promise<number> {
  return Number((await docker(['image', 'inspect', '--format', '{{.Size}}', image])).stdout.trim());
}

export async function benchImage(options: ImageBenchOptions): Promise<Figure[]> {
  const builds = options.builds ?? 2;
  // Makes the bases, the image context (scripts/image-context.sh) and the cached test builder image.
  await prepareImages();
  const version = (await readFile(join(repoRoot, 'version.txt'), 'utf8')).trim();
  const buildMs: number[] = [];
  const sizes: number[] = [];
  try {
    for (let i = 0; i < builds; i++) {
      const started = performance.now();
      await docker(
        ['build', '--no-cache', '--build-arg', `NODE_IMAGE=${testImages.node}`, '--build-arg', `DOCKER_CLI_IMAGE=${testImages.dockerCli}`,
          '--build-arg', `VERSION=${version}`, '--label', `${BENCH_LABEL}=1`, '-t', BENCH_TAG, '-f', join(repoRoot, 'Dockerfile'), repoRoot],
        { timeoutMs: 15 * 60_000 },
      );
      buildMs.push(performance.now() - started);
      sizes.push(await sizeBytes(BENCH_TAG));
      options.log(`image: --no-cache build ${i + 1}/${builds} in ${(buildMs[i]! / 1000).toFixed(1)} s, ${(sizes[i]! / 2 ** 20).toFixed(0)} MiB`);
    }
    const nodeBase = await sizeBytes(testImages.node);
    const cliBase = await sizeBytes(testImages.dockerCli);
    const debian = await sizeBytes(testImages.debian);
    const mib = (b: number) => b / 2 ** 20;
    return [
      { id: 'image.sizeMiB', label: 'Builder image: size', unit: 'MiB', samples: sizes.map(mib),
        note: 'production Dockerfile on the local bases (Debian bookworm debootstrap + this machine\'s node and docker CLI, no buildx/compose plugins)' },
      { id: 'image.ownLayersMiB', label: 'Builder image: size above its node base', unit: 'MiB', samples: sizes.map((s) => mib(s - nodeBase)) },
      { id: 'image.docker-cli-copiedMiB', label: 'Builder image: docker CLI base (copied from)', unit: 'MiB', samples: [mib(cliBase - debian)] },
      { id: 'image.buildSeconds', label: 'Builder image: docker build --no-cache (context prepared)', unit: 's', samples: buildMs.map((ms) => ms / 1000),
        note: 'includes apt-get update/install from the Debian mirror' },
    ];
  } finally {
    await docker(['image', 'rm', BENCH_TAG], { timeoutMs: 120_000 }).catch(() => undefined);
  }
}
