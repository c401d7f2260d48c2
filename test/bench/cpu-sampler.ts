/**
 * CPU time and memory of the stack's processes, read from /proc. A role's CPU is the sum over its
 * process tree (utime + stime, plus the c-times of children it has already reaped), so work done
 * in a child process is not lost. PostgreSQL is every `postgres` process of the server that is not
 * a backend of another database: our backends plus the server's own (WAL writer, checkpointer…),
 * whose work we cause too. Figures are deltas between two samples.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export const CPU_ROLES = ['api', 'worker', 'temporal', 'postgres'] as const;
export type CpuRole = (typeof CPU_ROLES)[number];

export interface CpuSample {
  /** performance.now() of the sample. */
  at: number;
  /** CPU ms consumed so far, per role. */
  roles: Record<CpuRole, number>;
  /** Every `postgres` process, other databases' backends included. */
  postgresAll: number;
  /** The bench process itself (generator, receiver, sampler); not part of the stack's total. */
  bench: number;
  /** Busy CPU ms of the whole machine (all cores), from /proc/stat. */
  machineBusy: number;
}

export interface CpuDelta {
  wallMs: number;
  /** CPU ms per role over the interval. */
  roles: Record<CpuRole, number>;
  total: number;
  postgresAll: number;
  bench: number;
  machineBusy: number;
  /** Machine busy time no process of the bench accounts for: someone else using the CPU. */
  foreign: number;
}

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime + cutime + cstime, in ticks. */
  ticks: number;
  /** utime + stime, in ticks. */
  ownTicks: number;
}

function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

const TICK_MS = 1000 / clockTicksPerSecond();

function readStat(pid: string): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited between readdir and read
  }
  // comm is in parentheses and may itself contain spaces or parentheses: split after the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 of proc(5) (state): field n is fields[n - 3].
  const num = (n: number) => Number(fields[n - 3]);
  return { pid: Number(pid), ppid: num(4), comm, ownTicks: num(14) + num(15), ticks: num(14) + num(15) + num(16) + num(17) };
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  // cpu user nice system idle iowait irq softirq steal …: busy is all but idle and iowait.
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) * TICK_MS;
}

/**
 * A backend's title is "postgres: <cluster>: <user> <database> <client>(<port>) <state>"; the
 * server's own processes name no client.
 */
function isOtherDatabasesBackend(cmdline: string, databases: readonly string[]): boolean {
  const backend = /^postgres: (?:[^:]+: )?\S+ (\S+) (?:\[local\]|\S+\(\d+\))/.exec(cmdline);
  return backend !== null && !databases.includes(backend[1]!);
}

export interface CpuSampler {
  sample(): CpuSample;
  delta(from: CpuSample, to: CpuSample): CpuDelta;
  close(): void;
}

/**
 * PostgreSQL backends come and go with the connection pools, and an exited backend's CPU is lost
 * to a plain difference of two sums. So `postgres` processes are polled this often and their
 * CPU is accumulated per pid: a backend that exits loses at most its last interval.
 */
const POSTGRES_POLL_MS = 200;

function readProcesses(): { stats: Map<number, ProcStat>; children: Map<number, number[]> } {
  const stats = new Map<number, ProcStat>();
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (!stat) continue;
    stats.set(stat.pid, stat);
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat.pid);
    else children.set(stat.ppid, [stat.pid]);
  }
  return { stats, children };
}

/** Accumulated CPU ticks of `postgres` processes: ours (our database's backends and the server's own) and all. */
function postgresAccumulator(databases: readonly string[]) {
  const last = new Map<number, { ticks: number; ours: boolean }>();
  const totals = { ours: 0, all: 0 };
  let primed = false;
  const update = (stats: Map<number, ProcStat>) => {
    const seen = new Set<number>();
    for (const stat of stats.values()) {
      if (stat.comm !== 'postgres') continue;
      seen.add(stat.pid);
      const before = last.get(stat.pid);
      // A backend's title names its database from the start: classify each pid once.
      const ours = before?.ours ?? !isOtherDatabasesBackend(readCmdline(stat.pid), databases);
      // A pid first seen after the first poll started since the last one: all its CPU is new.
      const increment = before ? stat.ownTicks - before.ticks : primed ? stat.ownTicks : 0;
      totals.all += Math.max(0, increment);
      if (ours) totals.ours += Math.max(0, increment);
      last.set(stat.pid, { ticks: stat.ownTicks, ours });
    }
    for (const pid of last.keys()) if (!seen.has(pid)) last.delete(pid);
    primed = true;
  };
  return { update, totals };
}

/**
 * `roots` gives the current root pid(s) of each process role (a restarted worker has a new one;
 * several workers add up); `databases` are the engine's, whose backends count as `postgres`.
 */
export function cpuSampler(roots: () => Record<Exclude<CpuRole, 'postgres'>, number | readonly number[]>, databases: readonly string[]): CpuSampler {
  const postgres = postgresAccumulator(databases);
  const pollPostgres = () => {
    const stats = new Map<number, ProcStat>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      // Only postgres processes are of interest here; comm is cheap to read first.
      let comm: string;
      try {
        comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      } catch {
        continue;
      }
      if (comm !== 'postgres') continue;
      const stat = readStat(entry);
      if (stat) stats.set(stat.pid, stat);
    }
    postgres.update(stats);
  };
  pollPostgres();
  const timer = setInterval(pollPostgres, POSTGRES_POLL_MS);
  timer.unref();
  return {
    sample() {
      const { stats, children } = readProcesses();
      postgres.update(stats);
      const treeTicks = (root: number | readonly number[]): number => {
        let ticks = 0;
        const stack = typeof root === 'number' ? [root] : [...root];
        while (stack.length > 0) {
          const pid = stack.pop()!;
          ticks += stats.get(pid)?.ticks ?? 0;
          stack.push(...(children.get(pid) ?? []));
        }
        return ticks;
      };
      const pids = roots();
      return {
        at: performance.now(),
        roles: {
          api: treeTicks(pids.api) * TICK_MS,
          worker: treeTicks(pids.worker) * TICK_MS,
          temporal: treeTicks(pids.temporal) * TICK_MS,
          postgres: postgres.totals.ours * TICK_MS,
        },
        postgresAll: postgres.totals.all * TICK_MS,
        // Own time only: the c-times of the bench are the stack's children once reaped.
        bench: (stats.get(process.pid)?.ownTicks ?? 0) * TICK_MS,
        machineBusy: machineBusyMs(),
      };
    },
    close: () => clearInterval(timer),
    delta(from, to) {
      const roles = Object.fromEntries(CPU_ROLES.map((r) => [r, Math.max(0, to.roles[r] - from.roles[r])])) as Record<CpuRole, number>;
      const total = CPU_ROLES.reduce((sum, r) => sum + roles[r], 0);
      const bench = to.bench - from.bench;
      const machineBusy = to.machineBusy - from.machineBusy;
      return {
        wallMs: to.at - from.at,
        roles,
        total,
        postgresAll: to.postgresAll - from.postgresAll,
        bench,
        machineBusy,
        foreign: Math.max(0, machineBusy - total - bench),
      };
    },
  };
}

/** In MB (10^6 bytes), the unit the targets are stated in. */
export interface Memory {
  /** Resident set now. */
  rssMB: number;
  /** Peak resident set of the process's life (VmHWM). */
  peakMB: number;
}

/** The memory of the largest of several processes of one role (each worker holds its own workflows). */
export function largestMemoryOf(pids: readonly number[]): Memory | undefined {
  const all = pids.map(memoryOf).filter((m): m is Memory => m !== undefined);
  if (all.length === 0) return undefined;
  return { rssMB: Math.max(...all.map((m) => m.rssMB)), peakMB: Math.max(...all.map((m) => m.peakMB)) };
}

export function memoryOf(pid: number): Memory | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  // /proc says "kB" and means KiB.
  const mb = (field: string) => (Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024) / 1e6;
  return { rssMB: mb('VmRSS'), peakMB: mb('VmHWM') };
}
