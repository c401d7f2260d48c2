/**
 * The step-up: rising rates until the first step that is not sustained, then a few bisection steps
 * between the last sustained rate and that one, so the maximum is not just the coarse step below.
 */
import { runStep, type StepContext, type StepResult, type StepSpec } from './load-step.js';

export interface StepUpResult {
  steps: StepResult[];
  /** Highest rate that was sustained (events/s; deliveries/s at fan-out 1); null if none was. */
  maxSustainedPerSecond: number | null;
  /** The first step that was not sustained, and why. */
  stoppedAt: { rate: number; reasons: string[] } | null;
}

/** Bisection ends once the bracket is this narrow: max(absolute, share × the lower rate). */
const REFINE_MIN_GAP = { absolute: 2, share: 0.1 };

export async function stepUp(
  ctx: StepContext,
  spec: (rate: number, label: string) => StepSpec,
  options: { rates: readonly number[]; refinements: number; beforeStep(): void; afterStep(s: StepResult): void },
): Promise<StepUpResult> {
  const result: StepUpResult = { steps: [], maxSustainedPerSecond: null, stoppedAt: null };
  const run = async (rate: number, label: string) => {
    options.beforeStep();
    const s = await runStep(ctx, spec(rate, label));
    result.steps.push(s);
    options.afterStep(s);
    if (s.sustained) result.maxSustainedPerSecond = Math.max(result.maxSustainedPerSecond ?? 0, rate);
    return s;
  };

  let failedAt: number | undefined;
  for (const rate of options.rates) {
    const s = await run(rate, `${rate}/s`);
    if (!s.sustained) {
      result.stoppedAt = { rate, reasons: s.reasons };
      failedAt = rate;
      break;
    }
  }
  if (failedAt === undefined) return result;

  let low = result.maxSustainedPerSecond ?? 0;
  let high = failedAt;
  for (let i = 0; i < options.refinements; i++) {
    if (high - low <= Math.max(REFINE_MIN_GAP.absolute, REFINE_MIN_GAP.share * low)) break;
    const mid = Math.round((low + high) / 2);
    if (mid <= low || mid >= high) break;
    const s = await run(mid, `${mid}/s (refine)`);
    if (s.sustained) low = mid;
    else high = mid;
  }
  return result;
}
