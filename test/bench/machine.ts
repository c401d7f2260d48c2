/** What the figures were measured on: they mean little without it. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { Orm } from '../../src/db/orm.js';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  temporalCli: string;
  postgres: string;
  /** 1-minute load average when the run started: a busy machine makes every figure worse. */
  loadAverageAtStart: number;
}

function temporalCliVersion(cli: string): string {
  try {
    return execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim();
  } catch (err) {
    return `unknown (${(err as Error).message})`;
  }
}

export async function machineInfo(temporalCli: string, orm: Orm, loadAverageAtStart: number): Promise<MachineInfo> {
  const [row] = await orm.em.fork().getConnection().execute<{ version: string }[]>('select version() as version');
  // The pinned install lives in a directory named after its version (scripts/install-temporal.sh).
  const pinned = /temporal-(v[\d.]+)/.exec(temporalCli)?.[1];
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    temporalCli: `${pinned ? `${pinned}: ` : ''}${temporalCliVersion(temporalCli)}`,
    postgres: row?.version ?? 'unknown',
    loadAverageAtStart,
  };
}

export function currentLoadAverage(): number {
  return loadavg()[0] ?? NaN;
}
