import { useEffect, useRef } from 'preact/hooks';

/** Calls `fn` every `ms` while `active`; the latest `fn` is used, so it may close over state. */
export function useInterval(fn: () => void, ms: number, active: boolean): void {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => latest.current(), ms);
    return () => clearInterval(timer);
  }, [ms, active]);
}
