import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { loadPolicyFile, type CompiledPolicy, type Problem } from '../policy/index.js';

export interface PolicyWatchHandlers {
  onReload(policy: CompiledPolicy, warnings: readonly Problem[]): void;
  onRejected(problems: readonly Problem[]): void;
}

/**
 * Reloads the policy when its file changes. The directory is watched, not the file, because
 * editors save by writing a new file and renaming it over the old one. Bursts of events settle
 * for a moment before the file is read.
 */
export function watchPolicyFile(path: string, handlers: PolicyWatchHandlers, settleMs = 75): { close(): void } {
  const name = basename(path);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const reload = (): void => {
    timer = undefined;
    const result = loadPolicyFile(path);
    if (result.ok) handlers.onReload(result.policy, result.warnings);
    else handlers.onRejected(result.problems);
  };
  try {
    watcher = watch(dirname(path), (_event, changed) => {
      if (changed !== null && changed.toString() !== name) return;
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(reload, settleMs);
      timer.unref();
    });
    watcher.unref();
    // A watcher that breaks (directory removed) only ends reloading; the policy in force stays.
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined;
  }
  return {
    close() {
      if (timer !== undefined) clearTimeout(timer);
      watcher?.close();
    },
  };
}
