import os from 'node:os'

/**
 * The benchmark process is the observer: it reads every agent's event stream and stamps arrival
 * times. On a 2-core machine running 50 agents it is one runnable process among 51 at the moment
 * a change propagates, and the kernel's fair share made it read an event already written by an
 * agent 40-60 ms late (measured with agent-side write stamps at N=50), which the benchmark then
 * counted against the system under test. So agents of every system (Grapevine and Serf alike)
 * run one step lower: niceness 5, the observer at the default 0. Raising the niceness of one's
 * own children needs no privilege; if it fails anyway, the run goes on at equal priority.
 */
export const AGENT_NICE = 5

export function runAsAgent(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    os.setPriority(pid, AGENT_NICE)
  } catch {
    // Not permitted here: measured at equal priority, as before.
  }
}
