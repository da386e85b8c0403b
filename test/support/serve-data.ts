import path from 'node:path';
import { readChallengeCsv } from '../../data/challenge-csv.js';
import { joinProductText, type SplitRow } from '../../data/index.js';

export { joinProductText, type SplitRow };

/** The first `count` real products of X_train.csv with their Y_train.csv labels. */
export async function readChallengeCsvRows(
  dataDir: string,
  count: number,
): Promise<{ designation: string; description: string; prdtypecode: number }[]> {
  const labels: number[] = [];
  for await (const record of readChallengeCsv(path.join(dataDir, 'Y_train.csv'), ['prdtypecode'])) {
    labels.push(Number(record.fields.prdtypecode));
    if (labels.length >= count) break;
  }
  const rows: { designation: string; description: string; prdtypecode: number }[] = [];
  for await (const record of readChallengeCsv(path.join(dataDir, 'X_train.csv'), ['designation', 'description'])) {
    const prdtypecode = labels[rows.length];
    if (prdtypecode === undefined) break;
    rows.push({ designation: record.fields.designation ?? '', description: record.fields.description ?? '', prdtypecode });
  }
  return rows;
}
