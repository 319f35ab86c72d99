import { deleteNamespace, listFleetNamespaces, namespacePids } from './ip.ts'

/**
 * Leftovers of fleet-test runs that crashed before their teardown (SIGKILL, power loss):
 * namespaces named `gvt<pid>-*` whose run `<pid>` is no longer running. The processes still
 * inside such a namespace were started by that run; they are killed by PID, then the namespace
 * is deleted. Namespaces of runs that are still alive (a concurrent test file) are left alone,
 * and nothing without the project's prefix is ever considered.
 */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function sweepStaleNamespaces(): string[] {
  const removed: string[] = []
  for (const { name, runPid } of listFleetNamespaces()) {
    if (runPid === process.pid || isRunning(runPid)) continue
    for (const pid of namespacePids(name)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // exited meanwhile
      }
    }
    try {
      deleteNamespace(name)
      removed.push(name)
    } catch {
      // another sweeper got there first
    }
  }
  return removed
}
