import { AppError, messageOf } from '../core/index.js';
import type { Classifier, Modality } from './classifiers/classifier.js';

/** One product to score: cleaned text ('' or null when none) and a photo (a path or its bytes). */
export interface ProductToScore {
  text: string | null;
  image: string | Uint8Array | null;
}

export type ProductScore =
  | {
      isScored: true;
      probabilities: Float32Array;
      /** What the model read of this product. */
      read: Modality[];
      /** Set when the photo could not be decoded and the product was scored from its text alone. */
      imageError?: string;
    }
  | { isScored: false; reason: string };

function readsOf(classifier: Pick<Classifier, 'modalities'>, product: ProductToScore): Modality[] {
  return classifier.modalities.filter((m) => (m === 'text' ? Boolean(product.text) : product.image !== null));
}

function isImageUnreadable(error: unknown): error is AppError {
  return error instanceof AppError && error.code === 'IMAGE_UNREADABLE';
}

interface Planned {
  at: number;
  product: ProductToScore;
  read: Modality[];
  imageError?: string;
}

/**
 * Scores products with one classifier, reading of each what it has and the model reads. A product
 * with nothing the model reads, or only a broken photo, comes back unscored with the reason; a
 * broken photo beside usable text is dropped and the text scored. One broken photo must not sink
 * the other products of its batch, so a failed batch is split in halves until the culprit is alone
 * (a few extra batches per broken photo, not one call per product).
 */
export async function scoreProducts(classifier: Classifier, products: readonly ProductToScore[]): Promise<ProductScore[]> {
  const out: ProductScore[] = new Array(products.length);
  const planned: Planned[] = [];
  products.forEach((product, at) => {
    const read = readsOf(classifier, product);
    if (read.length > 0) {
      planned.push({ at, product, read });
      return;
    }
    out[at] = {
      isScored: false,
      reason:
        !product.text && product.image === null
          ? 'no text and no image'
          : `the model reads only ${classifier.modalities.join(' and ')}, and this product has none`,
    };
  });
  const score = async (batch: readonly Planned[]): Promise<void> => {
    if (batch.length === 0) return;
    try {
      const rows = await classifier.predictProba(
        batch.map(({ product, read }) => ({
          text: read.includes('text') ? product.text : null,
          image: read.includes('image') ? product.image : null,
        })),
      );
      batch.forEach((p, j) => {
        const probabilities = rows[j];
        if (!probabilities) throw new Error('the model returned fewer rows than products');
        out[p.at] = {
          isScored: true,
          probabilities,
          read: p.read,
          ...(p.imageError === undefined ? {} : { imageError: p.imageError }),
        };
      });
    } catch (error: unknown) {
      if (!isImageUnreadable(error)) throw error;
      const [only] = batch;
      if (batch.length > 1 || only === undefined) {
        const half = Math.ceil(batch.length / 2);
        await score(batch.slice(0, half));
        await score(batch.slice(half));
        return;
      }
      const textOnly = only.read.filter((m) => m !== 'image');
      if (textOnly.length === 0 || only.imageError !== undefined) {
        out[only.at] = { isScored: false, reason: `image unreadable: ${messageOf(error)}` };
        return;
      }
      await score([{ ...only, read: textOnly, imageError: messageOf(error) }]);
    }
  };
  await score(planned);
  return out;
}
