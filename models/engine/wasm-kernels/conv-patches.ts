import type { backend_util } from '@tensorflow/tfjs-core';

/**
 * im2col geometry shared by the Conv2D gradient kernels. A patch matrix has one row per output
 * position (n, oy, ox) of images [n0, n1) and one column per filter tap (ky, kx, c), the same
 * order as a [kh, kw, cin, cout] filter, so `patches · filter` is the convolution.
 */
/** Called once per in-bounds tap with the offsets of its channel-0 entry in the patches and the image. */
type Visit = (patchOffset: number, pixelOffset: number) => void;

function forEachTap(info: backend_util.Conv2DInfo, n0: number, n1: number, visit: Visit): void {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const tapSize = filterHeight * filterWidth * inChannels;
  let row = 0;
  for (let n = n0; n < n1; n++) {
    const imageBase = n * inHeight * inWidth * inChannels;
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++, row++) {
        for (let ky = 0; ky < filterHeight; ky++) {
          const iy = oy * strideHeight - padTop + ky * dilationHeight;
          if (iy < 0 || iy >= inHeight) continue; // the tap is in the padding: zero
          for (let kx = 0; kx < filterWidth; kx++) {
            const ix = ox * strideWidth - padLeft + kx * dilationWidth;
            if (ix < 0 || ix >= inWidth) continue;
            visit(row * tapSize + (ky * filterWidth + kx) * inChannels, imageBase + (iy * inWidth + ix) * inChannels);
          }
        }
      }
    }
  }
}

/** Copies the input pixels of images [n0, n1) into a zeroed patch matrix. */
export function gatherPatches(
  x: Float32Array,
  patches: Float32Array,
  info: backend_util.Conv2DInfo,
  n0: number,
  n1: number,
): void {
  const channels = info.inChannels;
  forEachTap(info, n0, n1, (dst, src) => {
    patches.set(x.subarray(src, src + channels), dst);
  });
}

/** The adjoint of gatherPatches: adds every patch entry back onto the pixel it came from (col2im). */
export function scatterPatches(
  patches: Float32Array,
  dx: Float32Array,
  info: backend_util.Conv2DInfo,
  n0: number,
  n1: number,
): void {
  const channels = info.inChannels;
  forEachTap(info, n0, n1, (from, to) => {
    for (let c = 0; c < channels; c++) dx[to + c] = (dx[to + c] ?? 0) + (patches[from + c] ?? 0);
  });
}

// Patch matrices of at most this many floats (64 MiB) are built at once; larger batches are split.
const MAX_PATCH_FLOATS = 16 * 1024 * 1024;

/** How many images one patch matrix may cover. */
export function imagesPerChunk(info: backend_util.Conv2DInfo): number {
  const rowsPerImage = info.outHeight * info.outWidth;
  const tapSize = info.filterHeight * info.filterWidth * info.inChannels;
  return Math.max(1, Math.min(info.batchSize, Math.floor(MAX_PATCH_FLOATS / (rowsPerImage * tapSize))));
}
