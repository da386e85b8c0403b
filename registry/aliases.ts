import { sql } from 'drizzle-orm';
import { ConflictError, InputError } from '../core/index.js';
import type { Database } from '../data/index.js';
import { GateFailedError } from './errors.js';
import { recordEvent } from './events.js';
import { setMlflowAlias } from './mlflow-tracking.js';
import type { RegistryDeps } from './registry-deps.js';
import { aliasVersion, assertModelExists, getVersion, type ModelVersion, setAlias } from './versions.js';

/** How much a challenger's weighted F1 must beat the champion's by (issue #5). */
export const DEFAULT_GATE_MARGIN = 0.005;
// PostgreSQL stores weighted_f1 as float4: compare with a tolerance well below any margin.
const SCORE_TOLERANCE = 1e-6;

export interface PromoteInput {
  name: string;
  version: number;
  /** Minimum weighted F1 gain over the champion on the same evaluation split. */
  marginF1?: number;
  /** Skip the gate (recorded in the audit trail). */
  isForced?: boolean;
}

export interface GateResult {
  isPassed: boolean;
  isForced: boolean;
  evalSplit: string | null;
  challengerF1: number | null;
  championF1: number | null;
  marginF1: number;
  /** False when the two versions were scored on different data snapshots (same split name). */
  isSameData: boolean;
}

export interface PromoteResult {
  name: string;
  version: number;
  previousChampion: number | null;
  /** Null when there was no champion to compare with, or the version already was the champion. */
  gate: GateResult | null;
}

function checkGate(
  challenger: ModelVersion,
  champion: ModelVersion,
  marginF1: number,
  isForced: boolean,
): GateResult {
  const gate: GateResult = {
    isPassed: false,
    isForced,
    evalSplit: challenger.eval_split,
    challengerF1: challenger.weighted_f1,
    championF1: champion.weighted_f1,
    marginF1,
    isSameData: challenger.data_sha256 === champion.data_sha256,
  };
  if (isForced) return { ...gate, isPassed: true };
  const label = `${challenger.model_name} v${challenger.version} vs champion v${champion.version}`;
  if (
    challenger.weighted_f1 === null ||
    champion.weighted_f1 === null ||
    challenger.eval_split !== champion.eval_split
  ) {
    throw new InputError(
      'REGISTRY_GATE_INCOMPARABLE',
      `Cannot compare ${label}: scored on ${challenger.eval_split ?? 'nothing'} vs ${champion.eval_split ?? 'nothing'}.`,
      { hint: 'Register both with the same --eval-split, or pass --force to promote anyway.' },
    );
  }
  const gain = challenger.weighted_f1 - champion.weighted_f1;
  if (gain + SCORE_TOLERANCE < marginF1) {
    throw new GateFailedError(
      'REGISTRY_GATE_FAILED',
      `Gate failed for ${label}: weighted F1 on ${challenger.eval_split} ${challenger.weighted_f1.toFixed(4)} vs ` +
        `${champion.weighted_f1.toFixed(4)} (gain ${gain.toFixed(4)} < margin ${marginF1}). The champion is unchanged.`,
      { hint: 'Train a better model, or pass --force to promote it anyway.' },
    );
  }
  return { ...gate, isPassed: true };
}

/**
 * Makes a version the champion if it beats the current champion's weighted F1 on the same evaluation
 * split by the margin (or `isForced`); throws GateFailedError otherwise. Clears `challenger` when it
 * pointed to the promoted version.
 */
export async function promoteVersion(input: PromoteInput, deps: RegistryDeps): Promise<PromoteResult> {
  const marginF1 = input.marginF1 ?? DEFAULT_GATE_MARGIN;
  const result = await deps.db.transaction(async (tx): Promise<PromoteResult> => {
    const challenger = await getVersion(tx, input.name, input.version);
    const championVersion = await aliasVersion(tx, input.name, 'champion');
    if (championVersion === input.version) {
      return { name: input.name, version: input.version, previousChampion: championVersion, gate: null };
    }
    const gate =
      championVersion === undefined
        ? null
        : checkGate(
            challenger,
            await getVersion(tx, input.name, championVersion),
            marginF1,
            input.isForced === true,
          );
    await setAlias(tx, { name: input.name, alias: 'champion', version: input.version, actor: deps.actor });
    await tx.run(sql`DELETE FROM model_aliases
      WHERE model_name = ${input.name} AND alias = 'challenger' AND version = ${input.version}`);
    await recordEvent(tx, {
      modelName: input.name,
      action: 'promote',
      version: input.version,
      alias: 'champion',
      actor: deps.actor,
      detail: { previousChampion: championVersion ?? null, gate },
    });
    return { name: input.name, version: input.version, previousChampion: championVersion ?? null, gate };
  });
  deps.log.info(
    { name: input.name, version: input.version, previous: result.previousChampion },
    'version promoted',
  );
  if (deps.mlflow && result.previousChampion !== result.version) {
    await setMlflowAlias(deps.mlflow, { name: input.name, alias: 'champion', version: input.version });
  }
  return result;
}

/**
 * The champion history, replayed from the audit trail: a promote pushes a version, a rollback pops one.
 * So rolling back twice walks two champions back.
 */
async function championStack(db: Database, name: string): Promise<number[]> {
  const rows = await db.all<{ action: string; version: number | null }>(
    sql`SELECT action, version FROM registry_events
        WHERE model_name = ${name} AND alias = 'champion' AND action IN ('promote', 'rollback') ORDER BY id`,
  );
  const stack: number[] = [];
  for (const row of rows) {
    if (row.action === 'promote' && row.version !== null) stack.push(row.version);
    else if (row.action === 'rollback') stack.pop();
  }
  return stack;
}

export interface RollbackResult {
  name: string;
  /** The champion now. */
  version: number;
  /** The champion that was replaced. */
  replaced: number;
}

/** Points `champion` back at the previous champion version (no gate: it was a champion before). */
export async function rollbackChampion(input: { name: string }, deps: RegistryDeps): Promise<RollbackResult> {
  const result = await deps.db.transaction(async (tx): Promise<RollbackResult> => {
    await assertModelExists(tx, input.name);
    const stack = await championStack(tx, input.name);
    const current = stack.at(-1);
    const previous = stack.at(-2);
    if (current === undefined || previous === undefined) {
      throw new ConflictError(
        'REGISTRY_NO_PREVIOUS_CHAMPION',
        `Model "${input.name}" has no earlier champion to roll back to.`,
        {
          hint: `See its history with \`rakuten-ml registry show ${input.name}\`.`,
        },
      );
    }
    await setAlias(tx, { name: input.name, alias: 'champion', version: previous, actor: deps.actor });
    await recordEvent(tx, {
      modelName: input.name,
      action: 'rollback',
      version: previous,
      alias: 'champion',
      actor: deps.actor,
      detail: { replaced: current },
    });
    return { name: input.name, version: previous, replaced: current };
  });
  deps.log.info({ ...result }, 'champion rolled back');
  if (deps.mlflow)
    await setMlflowAlias(deps.mlflow, { name: input.name, alias: 'champion', version: result.version });
  return result;
}
