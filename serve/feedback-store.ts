import { sql } from 'drizzle-orm';
import { InputError, NotFoundError } from '../core/index.js';
import type { Database } from '../data/index.js';
import { findPredictionLog } from './logs-store.js';
import { assertCategory, insertSellerProduct, type ProductView } from './products-store.js';

export interface FeedbackInput {
  predictionId: number;
  userId: number;
  prdtypecode: number;
  comment?: string | undefined;
  /** The seller's product (POST /products) this prediction was for; gets the chosen label. */
  productid?: number | undefined;
  /** Otherwise the product's text: the log keeps only a hash, so it is sent again here. */
  designation?: string | undefined;
  description?: string | undefined;
}

export interface FeedbackResult {
  feedbackId: number;
  predictionId: number;
  prdtypecode: number;
  wasPredictionRight: boolean;
  product: ProductView;
}

/**
 * Records the category the seller finally chose for a prediction of theirs, and makes it a labelled
 * seller product for the next retrain: their existing product gets the label, or a new one is added.
 */
export async function recordFeedback(db: Database, input: FeedbackInput): Promise<FeedbackResult> {
  assertCategory(input.prdtypecode);
  const log = await findPredictionLog(db, input.predictionId);
  if (!log || log.userId !== input.userId) {
    throw new NotFoundError('PREDICTION_NOT_FOUND', `You have no prediction ${input.predictionId}.`);
  }
  return db.transaction(async (tx) => {
    let product: ProductView;
    if (input.productid !== undefined) {
      const now = new Date().toISOString();
      const rows = await tx.all<{ productid: number | string }>(sql`UPDATE products SET prdtypecode = ${input.prdtypecode},
        updated_at = ${now} WHERE productid = ${input.productid} AND owner_user_id = ${input.userId} RETURNING productid`);
      if (rows.length === 0) throw new NotFoundError('PRODUCT_NOT_FOUND', `You have no product ${input.productid}.`);
      const [row] = await tx.all<{ designation: string | null; description: string | null; image_sha256: string | null; image_type: string | null; created_at: string }>(
        sql`SELECT designation, description, image_sha256, image_type, created_at FROM products WHERE productid = ${input.productid}`,
      );
      product = {
        productid: input.productid,
        designation: row?.designation ?? null,
        description: row?.description ?? null,
        prdtypecode: input.prdtypecode,
        imageSha256: row?.image_sha256 ?? null,
        imageType: row?.image_type ?? null,
        ownerUserId: input.userId,
        source: 'seller',
        createdAt: row?.created_at ?? now,
      };
    } else {
      if (!input.designation && !input.description) {
        throw new InputError('PREDICT_INPUT_EMPTY', 'Send the productid of your product, or its designation/description.');
      }
      product = await insertSellerProduct(tx, {
        ownerUserId: input.userId,
        designation: input.designation ?? null,
        description: input.description ?? null,
        prdtypecode: input.prdtypecode,
        image: null,
      });
    }
    const [row] = await tx.all<{ id: number | string }>(sql`INSERT INTO seller_feedback
      (prediction_log_id, user_id, productid, correct_code, comment, created_at)
      VALUES (${input.predictionId}, ${input.userId}, ${product.productid}, ${input.prdtypecode}, ${input.comment ?? null},
        ${new Date().toISOString()}) RETURNING id`);
    await tx.run(sql`UPDATE prediction_logs SET productid = ${product.productid} WHERE id = ${input.predictionId}`);
    return {
      feedbackId: Number(row?.id ?? 0),
      predictionId: input.predictionId,
      prdtypecode: input.prdtypecode,
      wasPredictionRight: log.predictedCode === input.prdtypecode,
      product,
    };
  });
}
