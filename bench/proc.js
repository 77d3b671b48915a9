// Resident memory and CPU time of a process, from /proc (Linux only).
import { readdirSync, readFileSync } from 'node:fs';

/**
 * @param {number} pid
 * @returns {{rssBytes: number, hwmBytes: number} | undefined} VmRSS now and VmHWM (the peak so far)
 */
export function residentMemory(pid) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : NaN;
  };
  return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
}

/**
 * Nanoseconds all threads of the process have spent on a CPU so far (the main thread, and the
 * libuv pool and V8 helpers that write files and collect garbage), from /proc/<pid>/task/<tid>/schedstat.
 * Undefined if unreadable.
 */
export function cpuTimeNs(pid) {
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return total;
  } catch {
    return undefined;
  }
}
